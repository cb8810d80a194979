package io.skald.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as operators type them: {@code 500ms}, {@code 30s}, {@code 90m}, {@code 12h}, {@code
 * 7d}.
 */
final class Durations {
  private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private Durations() {}

  static Duration parse(String value) {
    Matcher m = SHORT.matcher(value.trim());
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      switch (m.group(2)) {
        case "ms":
          return Duration.ofMillis(n);
        case "s":
          return Duration.ofSeconds(n);
        case "m":
          return Duration.ofMinutes(n);
        case "h":
          return Duration.ofHours(n);
        default:
          return Duration.ofDays(n);
      }
    }
    try {
      return Duration.parse(value);
    } catch (DateTimeParseException e) {
      throw new CommandLineTypeException(
          "'" + value + "' is not a duration: use 500ms, 30s, 90m, 12h, 7d or ISO-8601 (PT12H)");
    }
  }

  /** A value picocli reports as a usage error. */
  static final class CommandLineTypeException extends picocli.CommandLine.TypeConversionException {
    private static final long serialVersionUID = 1L;

    CommandLineTypeException(String message) {
      super(message);
    }
  }
}

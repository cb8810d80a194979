package io.skald.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code skald} command: topics, consumer groups, dead letters and sagas of a running node,
 * through its admin API ({@code skald.admin.enabled = on}). See {@code docs/operations.md}.
 *
 * <p>Exit codes: 0 done; 1 the node refused (unknown name, conflict, active group, bad value: the
 * message says which); 2 bad usage; 3 the node cannot be reached or cannot answer now; 4 the node
 * is not ready ({@code skald health}).
 */
@Command(
    name = "skald",
    mixinStandardHelpOptions = true,
    version = "skald 0.1.0-SNAPSHOT",
    description = "Operate a Skald node through its admin API.",
    subcommands = {
      TopicsCommand.class,
      GroupsCommand.class,
      DlqCommand.class,
      SagasCommand.class,
      SkaldCli.Health.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Exit codes: 0 done, 1 refused by the node, 2 bad usage,",
      "            3 node unreachable or unavailable, 4 node not ready.",
      "Connection: --url (or SKALD_ADMIN_URL), --token (or SKALD_ADMIN_TOKEN)."
    })
public final class SkaldCli implements Runnable {
  static final int EXIT_OK = 0;
  static final int EXIT_REFUSED = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_UNAVAILABLE = 3;
  static final int EXIT_NOT_READY = 4;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  /**
   * Runs the command line and exits with its code.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    System.exit(
        run(
            args,
            new PrintWriter(System.out, true, java.nio.charset.StandardCharsets.UTF_8),
            new PrintWriter(System.err, true, java.nio.charset.StandardCharsets.UTF_8)));
  }

  /**
   * Runs the command line with the given output streams (for tests and embedding).
   *
   * @param args the arguments
   * @param out the standard output
   * @param err the error output
   * @return the exit code
   */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new SkaldCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof AdminApi.Failure failure) {
            err.println("error: " + failure.getMessage());
            err.flush();
            return failure.exitCode;
          }
          if (e instanceof CommandLine.ParameterException p) {
            err.println("error: " + p.getMessage());
            p.getCommandLine().usage(err);
            return EXIT_USAGE;
          }
          err.println("error: " + e);
          err.flush();
          return EXIT_UNAVAILABLE;
        });
    return cli.execute(args);
  }

  /** Where the admin API is, and how to print: shared by every command. */
  static final class Connection {
    @Option(
        names = "--url",
        defaultValue = "${env:SKALD_ADMIN_URL:-http://127.0.0.1:9470}",
        description = "The node's admin API (default: $SKALD_ADMIN_URL or ${DEFAULT-VALUE}).")
    String url;

    @Option(
        names = "--token",
        defaultValue = "${env:SKALD_ADMIN_TOKEN}",
        description = "The bearer token, if the node requires one (default: $SKALD_ADMIN_TOKEN).")
    String token;

    @Option(
        names = {"-o", "--output"},
        defaultValue = "table",
        description = "table (for people) or json (for scripts). Default: ${DEFAULT-VALUE}.")
    Output.Format output;

    @Option(
        names = "--timeout",
        defaultValue = "5s",
        converter = DurationConverter.class,
        description = "Connection timeout (e.g. 5s, PT10S). Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    AdminApi api() {
      return new AdminApi(url, token, timeout);
    }
  }

  /** A command that calls the API: runs {@link #call(AdminApi, Output)}. */
  abstract static class ApiCommand implements Callable<Integer> {
    @Mixin Connection connection;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      Output output = new Output(spec.commandLine().getOut(), connection.output);
      return call(connection.api(), output);
    }

    abstract int call(AdminApi api, Output output);

    CommandLine.ParameterException usage(String message) {
      return new CommandLine.ParameterException(spec.commandLine(), message);
    }
  }

  /** Parses {@code 5s}, {@code 3d}, {@code 90m}, {@code 500ms} or ISO-8601 {@code PT5S}. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return Durations.parse(value);
    }
  }

  @Command(
      name = "health",
      mixinStandardHelpOptions = true,
      description = "Whether the node is ready (exit 4 if not) and each check's detail.")
  static final class Health extends ApiCommand {
    @Override
    int call(AdminApi api, Output output) {
      AdminApi.Answer answer = api.exchange("GET", "/health", null, true);
      JsonNode body = answer.body();
      if (!output.raw(body)) {
        output.line("status: " + Output.text(body.path("status")));
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode check : body.path("checks")) {
          rows.add(
              List.of(
                  Output.text(check.path("name")),
                  Output.text(check.path("status")),
                  Output.text(check.path("detail"))));
        }
        output.table(List.of("CHECK", "STATUS", "DETAIL"), rows);
      }
      return "UP".equals(body.path("status").asText()) ? EXIT_OK : EXIT_NOT_READY;
    }
  }
}

package io.skald.admin;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how the {@link AdminServer} listens, read from {@code skald.admin} (see the module's
 * {@code reference.conf}).
 *
 * @param enabled whether {@link AdminServer#startIfEnabled} starts it ({@code off} by default)
 * @param host the interface to bind, {@code 127.0.0.1} by default
 * @param port the port ({@code 0} for any free one), 9470 by default
 * @param token the bearer token every request must carry, or empty for none
 * @param maxBodyBytes the largest request body accepted
 * @param requestTimeout how long a request may take before it is answered 503
 */
public record AdminSettings(
    boolean enabled,
    String host,
    int port,
    Optional<String> token,
    long maxBodyBytes,
    Duration requestTimeout) {

  /**
   * Validates the settings.
   *
   * @param enabled whether it starts
   * @param host the interface to bind
   * @param port the port
   * @param token the bearer token, or empty
   * @param maxBodyBytes the largest request body
   * @param requestTimeout the request timeout
   */
  public AdminSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("skald.admin.port must be 0 to 65535, was " + port);
    }
    if (maxBodyBytes < 1024) {
      throw new IllegalArgumentException(
          "skald.admin.max-body-bytes must be at least 1 KiB, was " + maxBodyBytes);
    }
    token = token.filter(t -> !t.isBlank());
  }

  /**
   * Reads {@code skald.admin}.
   *
   * @param config the node's configuration (with this module's reference.conf)
   * @return the settings
   */
  public static AdminSettings fromConfig(Config config) {
    Config c = config.getConfig("skald.admin");
    return new AdminSettings(
        c.getBoolean("enabled"),
        c.getString("interface"),
        c.getInt("port"),
        Optional.of(c.getString("token")),
        c.getBytes("max-body-bytes"),
        c.getDuration("request-timeout"));
  }

  /**
   * Settings for a server on the loopback interface at a port, without a token.
   *
   * @param port the port, 0 for any free one
   * @return the settings
   */
  public static AdminSettings loopback(int port) {
    return new AdminSettings(
        true, "127.0.0.1", port, Optional.empty(), 64 * 1024, Duration.ofSeconds(10));
  }

  /**
   * A copy that requires a bearer token.
   *
   * @param bearerToken the token
   * @return the new settings
   */
  public AdminSettings withToken(String bearerToken) {
    return new AdminSettings(
        enabled, host, port, Optional.of(bearerToken), maxBodyBytes, requestTimeout);
  }
}

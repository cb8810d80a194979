package io.skald.cluster.testing;

import io.skald.testkit.LocalPostgres;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link LocalPostgres} server per test class ({@code @RegisterExtension static}); each test
 * takes its own database with {@link #createDatabase}.
 */
public final class PostgresPerClass implements BeforeAllCallback, AfterAllCallback {
  private LocalPostgres postgres;

  @Override
  public void beforeAll(ExtensionContext context) {
    postgres = LocalPostgres.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    postgres.close();
  }

  /**
   * Creates an empty database on the class's server.
   *
   * @param name the database's name
   * @return its JDBC URL
   */
  public String createDatabase(String name) {
    return postgres.createDatabase(name);
  }
}

package io.skald.cluster;

import io.skald.framework.SkaldException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Creates Skald's tables in a PostgreSQL database: the journal, tag and snapshot tables of
 * pekko-persistence-jdbc 1.1 ({@code schema/skald-postgres.sql} in this jar).
 *
 * <p>Idempotent, and safe when several nodes call it at once: it holds a transaction-level advisory
 * lock while it runs. A node in cluster mode calls it at start unless {@code
 * skald.cluster.postgres.create-schema = off}; call it yourself (or run the script) when a
 * migration tool owns the schema.
 */
public final class PostgresSchema {
  /** The advisory lock id the schema creation holds ("skald" in ASCII). */
  private static final long LOCK = 0x736b616c64L;

  private PostgresSchema() {}

  /**
   * Creates the tables that do not exist yet.
   *
   * @param jdbcUrl the database's JDBC URL
   * @param user the user (needs CREATE on the schema)
   * @param password the password
   * @throws SkaldException if the database cannot be reached or a statement fails
   */
  public static void create(String jdbcUrl, String user, String password) {
    String script = script();
    try (Connection connection = DriverManager.getConnection(jdbcUrl, user, password)) {
      connection.setAutoCommit(false);
      try (Statement statement = connection.createStatement()) {
        statement.execute("SELECT pg_advisory_xact_lock(" + LOCK + ")");
        statement.execute(script);
        connection.commit();
      } catch (SQLException e) {
        connection.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new SkaldException(
          "could not create Skald's tables in " + jdbcUrl + " as '" + user + "': " + e, e);
    }
  }

  /**
   * Checks that the database answers and holds Skald's tables, for nodes that do not create them.
   *
   * @param jdbcUrl the database's JDBC URL
   * @param user the user
   * @param password the password
   * @throws SkaldException naming what is missing or why the database cannot be reached
   */
  public static void verify(String jdbcUrl, String user, String password) {
    try (Connection connection = DriverManager.getConnection(jdbcUrl, user, password);
        Statement statement = connection.createStatement()) {
      for (String table : new String[] {"event_journal", "event_tag", "snapshot"}) {
        try (java.sql.ResultSet found =
            statement.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
          found.next();
          if (!found.getBoolean(1)) {
            throw new SkaldException(
                "table "
                    + table
                    + " is missing in "
                    + jdbcUrl
                    + ": apply schema/skald-postgres.sql from the skald-cluster jar, or set"
                    + " skald.cluster.postgres.create-schema = on");
          }
        }
      }
    } catch (SQLException e) {
      throw new SkaldException(
          "could not reach Skald's database " + jdbcUrl + " as '" + user + "': " + e, e);
    }
  }

  /**
   * The SQL script, for a migration tool.
   *
   * @return the statements, separated by semicolons
   */
  public static String script() {
    try (InputStream in =
        PostgresSchema.class.getClassLoader().getResourceAsStream("schema/skald-postgres.sql")) {
      if (in == null) {
        throw new SkaldException("schema/skald-postgres.sql is missing from the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new SkaldException("could not read schema/skald-postgres.sql: " + e, e);
    }
  }
}

package io.skald.examples.orders;

/**
 * Runs {@code serve} on free ports (its API and the admin API) with the data directory given, as a
 * forked JVM of a test: 2 % of handler attempts fail, and 5 % of the participants that acted answer
 * after the step's timeout.
 */
public final class ServeMain {
  private ServeMain() {}

  /**
   * Serves until killed.
   *
   * @param args the data directory
   */
  public static void main(String[] args) {
    OrderServiceApp.main(
        new String[] {
          "serve",
          "--port",
          "0",
          "--data-dir",
          args[0],
          "--failure-rate",
          "0.02",
          "--delay-ms",
          "5",
          "--slow-rate",
          "0.05",
          "--slow-ms",
          "11000",
          "--admin-port",
          "0"
        });
  }
}

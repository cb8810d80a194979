package io.skald.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

/**
 * The benchmark peer: a single-node Apache Kafka broker (KRaft, combined broker and controller,
 * loopback only) started as a separate JVM process from the Kafka artifacts on Maven Central.
 *
 * <p>The broker's classpath is resolved by the {@code bench/kafka-peer} Maven module (it is never
 * mixed with Skald's). The broker gets the same heap and collector as the harness, a fresh log
 * directory and free ports; {@link #close()} stops the process and deletes the directory. A JVM
 * shutdown hook stops the broker if the harness dies first.
 */
final class KafkaPeer implements AutoCloseable {
  /** The system property naming the broker's classpath file. */
  static final String CLASSPATH_PROPERTY = "skald.bench.kafka.classpath";

  private final Path dir;
  private final Process process;
  private final String bootstrap;
  private final Thread hook;

  private KafkaPeer(Path dir, Process process, String bootstrap) {
    this.dir = dir;
    this.process = process;
    this.bootstrap = bootstrap;
    this.hook = new Thread(process::destroyForcibly, "kafka-peer-stop");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Formats a fresh log directory and starts the broker; returns once it answers an admin request.
   *
   * @return the running broker
   * @throws Exception if the classpath is missing or the broker does not start within 60 s
   */
  static KafkaPeer start() throws Exception {
    String classpath = Files.readString(classpathFile()).trim();
    Path dir = Files.createTempDirectory("skald-bench-kafka-");
    int[] ports = freePorts(2);
    int port = ports[0];
    int controllerPort = ports[1];
    Path logs = dir.resolve("logs");
    Path config = dir.resolve("server.properties");
    Files.writeString(
        config,
        String.join(
            "\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs=" + logs.toString().replace("\\", "/"),
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=false",
            ""));
    Path out = dir.resolve("broker.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process format =
        new ProcessBuilder(
                java,
                "-cp",
                classpath,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                Uuid.randomUuid().toString(),
                "-c",
                config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("format.log").toFile())
            .start();
    if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
      format.destroyForcibly();
      throw new IllegalStateException(
          "formatting Kafka's log directory failed; see " + dir.resolve("format.log"));
    }
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(
        List.of(
            "-Xms1g",
            "-Xmx1g",
            "-XX:+UseG1GC",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-cp",
            classpath,
            "kafka.Kafka",
            config.toString()));
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    KafkaPeer peer = new KafkaPeer(dir, process, "127.0.0.1:" + port);
    try {
      peer.awaitReady();
    } catch (Exception e) {
      peer.close();
      throw new IllegalStateException("Kafka did not start; its output was " + out, e);
    }
    return peer;
  }

  /**
   * The bootstrap servers.
   *
   * @return host:port of the broker's client listener
   */
  String bootstrap() {
    return bootstrap;
  }

  /**
   * Creates a topic.
   *
   * @param name the topic
   * @param partitions its partitions
   * @param fsyncEveryBatch whether the broker fsyncs every appended batch ({@code
   *     flush.messages=1}, the topic-level form of {@code log.flush.interval.messages=1}) or leaves
   *     flushing to the OS (Kafka's default)
   * @throws Exception on failure
   */
  void createTopic(String name, int partitions, boolean fsyncEveryBatch) throws Exception {
    try (Admin admin = admin()) {
      NewTopic topic = new NewTopic(name, partitions, (short) 1);
      if (fsyncEveryBatch) {
        topic.configs(Map.of("flush.messages", "1"));
      }
      admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
      // wait until every partition has its leader, so the first produce requests do not fail
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        org.apache.kafka.clients.admin.TopicDescription description;
        try {
          description =
              admin
                  .describeTopics(List.of(name))
                  .allTopicNames()
                  .get(10, TimeUnit.SECONDS)
                  .get(name);
        } catch (java.util.concurrent.ExecutionException e) {
          // the broker's metadata may not list a topic it has just created yet
          if (!(e.getCause()
              instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
            throw e;
          }
          description = null;
        }
        if (description != null
            && description.partitions().size() == partitions
            && description.partitions().stream().allMatch(p -> p.leader() != null)) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("topic " + name + " has no leaders after 30 s");
        }
        TimeUnit.MILLISECONDS.sleep(50);
      }
    }
  }

  private Admin admin() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    return Admin.create(props);
  }

  private void awaitReady() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Exception last = null;
    try (Admin admin = admin()) {
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException("the broker exited with " + process.exitValue());
        }
        try {
          if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (Exception e) {
          last = e;
        }
      }
    }
    throw new IllegalStateException("no answer within 60 s", last);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or about to: nothing to remove
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static Path classpathFile() {
    String configured = System.getProperty(CLASSPATH_PROPERTY);
    List<Path> candidates =
        configured != null
            ? List.of(Path.of(configured))
            : List.of(
                Path.of("bench/kafka-peer/target/kafka-classpath.txt"),
                Path.of("kafka-peer/target/kafka-classpath.txt"));
    for (Path candidate : candidates) {
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "Kafka's classpath file is missing (looked for "
            + candidates
            + "); build it with: mvn -B -q -f bench/kafka-peer/pom.xml generate-resources");
  }

  /** Distinct free ports: every socket is held open until all are chosen. */
  private static int[] freePorts(int count) throws IOException {
    ServerSocket[] sockets = new ServerSocket[count];
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        sockets[i] = new ServerSocket(0);
        sockets[i].setReuseAddress(true);
        ports[i] = sockets[i].getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket socket : sockets) {
        if (socket != null) {
          socket.close();
        }
      }
    }
  }
}

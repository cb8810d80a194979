package io.skald.bench;

import com.typesafe.config.ConfigFactory;
import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.LocalCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The cluster scenario: N nodes (actor systems with their own remoting ports on 127.0.0.1, in this
 * JVM) on one shared PostgreSQL journal. Every node runs a producer and one member of a consumer
 * group on a 12-partition topic; each producer sends its share of the records with durable acks.
 */
final class ClusterBench {
  static final int PARTITIONS = 12;

  private ClusterBench() {}

  /**
   * Durable produce and end-to-end throughput of one run, records/s, and how many records each
   * journal row (one persisted event of a partition) held.
   */
  record Measured(double produced, double endToEnd, double recordsPerEvent) {}

  /**
   * One run on {@code nodes} fresh nodes of a new database.
   *
   * @param jdbcUrl the (empty) database
   * @param nodes how many nodes
   * @param records records in all
   * @return the rates
   */
  static Measured run(String jdbcUrl, int nodes, int records) throws Exception {
    int seed = LocalCluster.freePort();
    List<Skald> cluster = new ArrayList<>();
    try {
      for (int n = 0; n < nodes; n++) {
        cluster.add(
            LocalCluster.start(
                n == 0 ? seed : LocalCluster.freePort(),
                List.of(seed),
                jdbcUrl,
                ConfigFactory.parseString("pekko.loglevel = WARNING")));
      }
      Measured measured = measure(cluster, records);
      return new Measured(
          measured.produced(), measured.endToEnd(), records / (double) partitionEvents(jdbcUrl));
    } finally {
      for (int n = cluster.size() - 1; n >= 0; n--) {
        cluster.get(n).close();
      }
    }
  }

  /**
   * The same workload on nodes that are already running (e.g. one embedded LevelDB node).
   *
   * @param cluster the nodes
   * @param records records in all
   * @return the rates
   */
  static Measured measure(List<Skald> cluster, int records) throws Exception {
    awaitMembers(cluster);
    cluster
        .get(0)
        .admin()
        .createTopic(TopicSpec.of("load", PARTITIONS))
        .toCompletableFuture()
        .join();
    AtomicLong handled = new AtomicLong();
    CompletableFuture<Long> allHandled = new CompletableFuture<>();
    List<Subscription> members = new ArrayList<>();
    for (Skald node : cluster) {
      members.add(
          node.subscribe(
              SubscriptionSpec.of("load-readers", Codecs.string(), Codecs.bytes())
                  .withTopics("load"),
              record -> {
                if (handled.incrementAndGet() == records) {
                  allHandled.complete(System.nanoTime());
                }
                return CompletableFuture.completedFuture(null);
              }));
    }
    awaitAssigned(members);
    int share = records / cluster.size();
    long start = System.nanoTime();
    List<CompletableFuture<Long>> sent = new ArrayList<>();
    for (int n = 0; n < cluster.size(); n++) {
      Skald node = cluster.get(n);
      int count = n == cluster.size() - 1 ? records - share * (cluster.size() - 1) : share;
      int offset = n * share;
      sent.add(
          CompletableFuture.supplyAsync(
              () -> {
                Producer<String, byte[]> producer =
                    node.producer(ProducerSettings.of(Codecs.string(), Codecs.bytes()));
                try {
                  MessagingBench.sendAll(producer, "load", count, offset, 50_000 / cluster.size());
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  throw new IllegalStateException(e);
                }
                return System.nanoTime();
              },
              runnable -> new Thread(runnable, "cluster-bench-producer").start()));
    }
    long producedAt = 0;
    for (CompletableFuture<Long> done : sent) {
      producedAt = Math.max(producedAt, done.get(300, TimeUnit.SECONDS));
    }
    long handledAt = allHandled.get(300, TimeUnit.SECONDS);
    for (Subscription member : members) {
      member.stop().toCompletableFuture().join();
    }
    return new Measured(
        records / ((producedAt - start) / 1e9), records / ((handledAt - start) / 1e9), 0);
  }

  /** Journal rows of the partitions of topic {@code load} (each is one batch of records). */
  private static long partitionEvents(String jdbcUrl) throws java.sql.SQLException {
    try (java.sql.Connection connection =
            java.sql.DriverManager.getConnection(jdbcUrl, "postgres", "");
        java.sql.Statement statement = connection.createStatement();
        java.sql.ResultSet rows =
            statement.executeQuery(
                "SELECT count(*) FROM event_journal WHERE persistence_id LIKE 'skald-partition|load~%'")) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static void awaitMembers(List<Skald> cluster) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (Skald node : cluster) {
      while (LocalCluster.upMembers(node) < cluster.size()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the cluster did not form in 60 s");
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
  }

  private static void awaitAssigned(List<Subscription> members) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (members.stream().mapToInt(m -> m.assignment().size()).sum() < PARTITIONS
        || members.stream().anyMatch(m -> m.assignment().isEmpty())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the group's partitions were not assigned in 60 s");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }
}

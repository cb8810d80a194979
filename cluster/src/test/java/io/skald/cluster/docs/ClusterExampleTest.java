package io.skald.cluster.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.Await;
import io.skald.testkit.LocalCluster;
import io.skald.testkit.LocalPostgres;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The runnable example of docs/cluster.md: two nodes on one machine, one shared PostgreSQL. */
class ClusterExampleTest {

  @Test
  void twoNodesShareOneLog() {
    Set<String> billed = ConcurrentHashMap.newKeySet();
    // #cluster-two-nodes
    try (LocalPostgres postgres = LocalPostgres.start()) {
      int seed = LocalCluster.freePort();
      Skald node1 = LocalCluster.start(seed, List.of(seed), postgres, ConfigFactory.empty());
      Skald node2 =
          LocalCluster.start(
              LocalCluster.freePort(), List.of(seed), postgres, ConfigFactory.empty());
      try {
        node1.admin().createTopic(TopicSpec.of("orders", 6)).toCompletableFuture().join();

        // a member of group "billing" on node 2 ...
        node2.subscribe(
            SubscriptionSpec.of("billing", Codecs.string(), Codecs.string()).withTopics("orders"),
            record -> {
              billed.add(record.value());
              return CompletableFuture.completedFuture(null);
            });

        // ... gets what a producer on node 1 sends, wherever sharding placed the partitions
        Producer<String, String> producer =
            node1.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
        for (int i = 0; i < 100; i++) {
          producer.send("orders", "customer-" + (i % 7), "order-" + i).toCompletableFuture().join();
        }
        // #cluster-two-nodes
        Await.until(node1.system(), Duration.ofSeconds(30), () -> assertEquals(100, billed.size()));
        // #cluster-two-nodes
      } finally {
        node2.close();
        node1.close();
      }
    }
    // #cluster-two-nodes
  }
}

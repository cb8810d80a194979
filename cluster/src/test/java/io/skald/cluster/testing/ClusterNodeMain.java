package io.skald.cluster.testing;

import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.testkit.ClusterTestNode;
import java.io.BufferedWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A cluster node in its own JVM, for the test that kills a node: it joins the cluster, starts a
 * member of group {@code shipping} on topic {@code orders} that appends every value it handles to
 * {@code handled.txt} in the data directory (flushed before the record is acknowledged, so the file
 * survives SIGKILL), and prints {@code READY}.
 *
 * <p>Arguments: data directory, own port, seed port, JDBC URL.
 */
public final class ClusterNodeMain {
  private ClusterNodeMain() {}

  /**
   * Runs until killed.
   *
   * @param args data directory, port, seed port, JDBC URL
   * @throws Exception on a start failure
   */
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    Path dataDir = Path.of(args[0]);
    Skald skald =
        ClusterTestNode.start(
            Integer.parseInt(args[1]), List.of(Integer.parseInt(args[2])), args[3], "");
    BufferedWriter handled =
        Files.newBufferedWriter(dataDir.resolve("handled.txt"), StandardCharsets.UTF_8);
    skald.subscribe(
        SubscriptionSpec.of("shipping", Codecs.string(), Codecs.string()).withTopics("orders"),
        record -> {
          try {
            synchronized (handled) {
              handled.write(record.value());
              handled.newLine();
              handled.flush();
            }
            return CompletableFuture.completedFuture(null);
          } catch (java.io.IOException e) {
            return CompletableFuture.failedFuture(e);
          }
        });
    out.println("READY");
  }
}

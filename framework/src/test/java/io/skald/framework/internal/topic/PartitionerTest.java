package io.skald.framework.internal.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PartitionerTest {

  @Test
  void murmur2MatchesKafkasReferenceVectors() {
    // the vectors of Kafka's UtilsTest.testMurmur2
    Map<String, Integer> vectors =
        Map.of(
            "21", -973932308,
            "foobar", -790332482,
            "a-little-bit-long-string", -985981536,
            "a-little-bit-longer-string", -1486304829,
            "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971,
            "abc", 479470107);
    vectors.forEach(
        (input, hash) ->
            assertEquals(hash, Partitioner.murmur2(input.getBytes(StandardCharsets.UTF_8)), input));
  }

  @Test
  void partitionIsThePositiveHashModuloTheCount() {
    // toPositive(-790332482) = 1357151166; 1357151166 % 50 = 16
    assertEquals(16, Partitioner.partitionOf("foobar".getBytes(StandardCharsets.UTF_8), 50));
    assertEquals(0, Partitioner.partitionOf(new byte[0], 1));
  }
}

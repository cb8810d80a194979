package io.skald.framework.internal.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.internal.serialization.NamedJsonSerializer;
import io.skald.framework.producer.RateLimit;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The registry's state gained {@code deleting} with topic deletion, and topic definitions gained
 * {@code maxRecordBytes} and {@code rateLimit}: a state written before them (the same name, without
 * the fields) reads with nothing being deleted, the node's default record limit and no quota; the
 * new events read back.
 */
class TopicRegistryFormatTest {
  private static final ActorTestKit KIT = ActorTestKit.create();

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @Test
  void aStateWrittenBeforeTopicDeletionReadsWithNothingBeingDeleted() throws Exception {
    ObjectMapper cbor = new ObjectMapper(new CBORFactory());
    Map<String, Object> orders =
        Map.of(
            "name",
            "orders",
            "partitions",
            4,
            "retention",
            Map.of("maxBytes", -1, "maxRecords", -1));
    byte[] old = cbor.writeValueAsBytes(Map.of("topics", Map.of("orders", orders)));
    var serialization = SerializationExtension.get(KIT.system());
    TopicRegistry.State read =
        (TopicRegistry.State)
            serialization
                .deserialize(old, NamedJsonSerializer.IDENTIFIER, "topic-registry.state.v1")
                .get();
    assertEquals(Map.of(), read.deleting());
    assertEquals(TopicSpec.of("orders", 4), read.topics().get("orders").toSpec());

    for (Object event :
        List.of(
            new TopicRegistry.TopicDeletionStarted("orders"),
            new TopicRegistry.TopicDeleted("orders"),
            new TopicRegistry.TopicRedefined(TopicDefinition.of(TopicSpec.of("orders", 4))),
            new TopicRegistry.TopicRedefined(
                TopicDefinition.of(TopicSpec.of("orders", 8).withMaxRecordBytes(2048))),
            new TopicRegistry.TopicRedefined(
                TopicDefinition.of(
                    TopicSpec.of("orders", 8)
                        .withRateLimit(
                            RateLimit.recordsPerSecond(100)
                                .whenExceeded(RateLimit.WhenExceeded.REFUSE)))))) {
      var serializer = serialization.findSerializerFor(event);
      assertEquals(NamedJsonSerializer.IDENTIFIER, serializer.identifier());
      String manifest = org.apache.pekko.serialization.Serializers.manifestFor(serializer, event);
      assertEquals(
          event,
          serialization
              .deserialize(serializer.toBinary(event), serializer.identifier(), manifest)
              .get());
    }
  }
}

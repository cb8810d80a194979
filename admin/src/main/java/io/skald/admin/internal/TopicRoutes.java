package io.skald.admin.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.skald.admin.AdminSettings;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.PartitionOffsets;
import io.skald.framework.admin.TopicAdmin;
import io.skald.framework.admin.TopicSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * INTERNAL API: the routes of {@code /api/v1/topics}: list, create, describe with partition
 * offsets, alter, delete.
 */
final class TopicRoutes extends RouteSupport {
  private final TopicAdmin admin;

  TopicRoutes(AdminSettings settings, TopicAdmin admin) {
    super(settings);
    this.admin = admin;
  }

  // ----- topics

  Route routes() {
    return concat(
        pathEnd(
            () ->
                concat(
                    get(
                        () ->
                            reply(
                                () ->
                                    admin
                                        .listTopics()
                                        .thenApply(
                                            list -> {
                                              ArrayNode topics = Json.array();
                                              list.forEach(t -> topics.add(Json.topic(t)));
                                              ObjectNode body = Json.object();
                                              body.set("topics", topics);
                                              return Reply.ok(body);
                                            }))),
                    post(
                        () ->
                            body(
                                body ->
                                    admin
                                        .createTopic(Json.topicSpec(body))
                                        .thenApply(
                                            spec ->
                                                new Reply(
                                                    StatusCodes.CREATED, Json.topic(spec))))))),
        pathPrefix(
            PathMatchers.segment(),
            name ->
                pathEnd(
                    () ->
                        concat(
                            get(() -> reply(() -> describeTopic(name))),
                            patch(() -> body(body -> alterTopic(name, body))),
                            delete(
                                () ->
                                    reply(
                                        () ->
                                            admin
                                                .deleteTopic(name)
                                                .thenApply(
                                                    done ->
                                                        Reply.ok(
                                                            Json.object()
                                                                .put("deleted", name)))))))));
  }

  private CompletionStage<Reply> describeTopic(String name) {
    return admin
        .describeTopic(name)
        .thenCompose(
            found -> {
              TopicSpec spec =
                  found.orElseThrow(
                      () -> ApiError.notFound("unknown_topic", "unknown topic '" + name + "'"));
              List<CompletableFuture<PartitionOffsets>> offsets = new ArrayList<>();
              for (int p = 0; p < spec.partitions(); p++) {
                offsets.add(
                    admin.partitionOffsets(new TopicPartition(name, p)).toCompletableFuture());
              }
              return CompletableFuture.allOf(offsets.toArray(CompletableFuture[]::new))
                  .thenApply(
                      ignored -> {
                        ObjectNode body = Json.topic(spec);
                        ArrayNode partitions = Json.array();
                        long records = 0;
                        long bytes = 0;
                        for (int p = 0; p < offsets.size(); p++) {
                          PartitionOffsets o = offsets.get(p).join();
                          records += o.logEndOffset() - o.logStartOffset();
                          bytes += o.sizeBytes();
                          partitions.add(
                              Json.object()
                                  .put("partition", p)
                                  .put("logStartOffset", o.logStartOffset())
                                  .put("logEndOffset", o.logEndOffset())
                                  .put("records", o.logEndOffset() - o.logStartOffset())
                                  .put("sizeBytes", o.sizeBytes()));
                        }
                        body.put("records", records);
                        body.put("sizeBytes", bytes);
                        body.set("partitionOffsets", partitions);
                        return Reply.ok(body);
                      });
            });
  }

  private CompletionStage<Reply> alterTopic(String name, ObjectNode body) {
    Json.onlyFields(body, "a topic change", Json.TOPIC_FIELDS);
    String bodyName = Json.text(body, "name", false);
    if (bodyName != null && !bodyName.equals(name)) {
      throw ApiError.badRequest(
          "the body names topic '" + bodyName + "' but the path names '" + name + "'");
    }
    return admin
        .describeTopic(name)
        .thenCompose(
            found -> {
              TopicSpec current =
                  found.orElseThrow(
                      () -> ApiError.notFound("unknown_topic", "unknown topic '" + name + "'"));
              TopicSpec requested = Json.settings(body, current);
              if (body.has("partitions")) {
                requested =
                    requested.withPartitions(
                        (int) Json.number(body, "partitions", 1, TopicSpec.MAX_PARTITIONS));
              }
              TopicSpec target = requested;
              return admin
                  .alterTopic(target)
                  .thenApply(
                      previous -> {
                        ObjectNode reply = Json.object();
                        reply.set("previous", Json.topic(previous));
                        reply.set("current", Json.topic(target));
                        return Reply.ok(reply);
                      });
            });
  }
}

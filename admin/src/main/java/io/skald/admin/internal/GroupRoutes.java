package io.skald.admin.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.skald.admin.AdminSettings;
import io.skald.framework.Skald;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.GroupActiveException;
import io.skald.framework.admin.GroupState;
import io.skald.framework.admin.OffsetReset;
import io.skald.framework.admin.TopicAdmin;
import io.skald.framework.admin.UnknownGroupException;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.deadletter.DeadLetterQueue;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * INTERNAL API: the routes of {@code /api/v1/groups}: list, describe, offset resets, delete, and
 * each group's dead letters.
 */
final class GroupRoutes extends RouteSupport {
  private final Skald skald;
  private final TopicAdmin admin;

  GroupRoutes(AdminSettings settings, Skald skald) {
    super(settings);
    this.skald = skald;
    this.admin = skald.admin();
  }

  // ----- groups

  Route routes() {
    return concat(
        pathEnd(
            () ->
                get(
                    () ->
                        reply(
                            () ->
                                admin
                                    .listGroups()
                                    .thenApply(
                                        list -> {
                                          ArrayNode groups = Json.array();
                                          list.forEach(groups::add);
                                          ObjectNode body = Json.object();
                                          body.set("groups", groups);
                                          return Reply.ok(body);
                                        })))),
        pathPrefix(
            PathMatchers.segment(),
            group ->
                concat(
                    pathEnd(
                        () ->
                            concat(
                                get(
                                    () ->
                                        reply(
                                            () ->
                                                admin
                                                    .describeGroup(group)
                                                    .thenApply(d -> Reply.ok(Json.group(d))))),
                                delete(
                                    () ->
                                        reply(
                                            () ->
                                                admin
                                                    .deleteGroup(group)
                                                    .thenApply(
                                                        done ->
                                                            Reply.ok(
                                                                Json.object()
                                                                    .put("deleted", group))))))),
                    path(
                        "reset-offsets", () -> post(() -> body(body -> resetOffsets(group, body)))),
                    pathPrefix("dead-letters", () -> deadLetters(group)))));
  }

  private CompletionStage<Reply> resetOffsets(String group, ObjectNode body) {
    Json.onlyFields(body, "a reset", Set.of("topic", "to", "offset", "datetime", "dryRun"));
    String topic = Json.text(body, "topic", true);
    String to = Json.text(body, "to", true);
    boolean dryRun = Json.bool(body, "dryRun", true);
    OffsetReset target;
    switch (to) {
      case "earliest":
        target = OffsetReset.earliest();
        break;
      case "latest":
        target = OffsetReset.latest();
        break;
      case "offset":
        target = OffsetReset.toOffset(Json.number(body, "offset", 0, Long.MAX_VALUE));
        break;
      case "datetime":
        target = OffsetReset.toTimestamp(Json.instant(body, "datetime"));
        break;
      default:
        throw ApiError.badRequest(
            "\"to\" must be earliest, latest, offset or datetime, was \"" + to + "\"");
    }
    // Like kafka-consumer-groups, a reset (even a dry run) needs an inactive group: the plan of
    // an active one would be stale before it was read.
    return admin
        .describeGroup(group)
        .exceptionally(
            error -> {
              Throwable cause = error instanceof CompletionException ? error.getCause() : error;
              if (cause instanceof UnknownGroupException) {
                return null; // a group that never ran may be positioned before it starts
              }
              throw error instanceof CompletionException c ? c : new CompletionException(cause);
            })
        .thenCompose(
            described -> {
              if (described != null && described.state() != GroupState.EMPTY) {
                throw new GroupActiveException(
                    "group '"
                        + group
                        + "' has "
                        + described.members().size()
                        + " active member(s); stop them before resetting its offsets (a dry run"
                        + " too: its plan would be stale at once)");
              }
              return admin
                  .committedOffsets(group)
                  .thenCompose(
                      before ->
                          admin
                              .resetOffsets(group, topic, target, dryRun)
                              .thenApply(
                                  after -> {
                                    ObjectNode reply =
                                        Json.object()
                                            .put("group", group)
                                            .put("topic", topic)
                                            .put("dryRun", dryRun);
                                    ArrayNode offsets = Json.array();
                                    after.entrySet().stream()
                                        .sorted(
                                            Map.Entry.comparingByKey(
                                                java.util.Comparator.comparingInt(
                                                    TopicPartition::partition)))
                                        .forEach(
                                            e ->
                                                offsets.add(
                                                    Json.object()
                                                        .put("partition", e.getKey().partition())
                                                        .put(
                                                            "current",
                                                            before.getOrDefault(e.getKey(), -1L))
                                                        .put("target", e.getValue())));
                                    reply.set("offsets", offsets);
                                    return Reply.ok(reply);
                                  }));
            });
  }

  // ----- dead letters

  private Route deadLetters(String group) {
    SubscriptionSpec.validateGroupName(group);
    DeadLetterQueue dlq = skald.deadLetters(group);
    return concat(
        pathEnd(
            () ->
                concat(
                    get(
                        () ->
                            parameterOptional(
                                "from",
                                from ->
                                    parameterOptional(
                                        "limit",
                                        limit ->
                                            reply(
                                                () ->
                                                    listDeadLetters(
                                                        dlq,
                                                        longParam(from, "from", 0),
                                                        intParam(
                                                            limit, "limit", 50, 1, MAX_PAGE)))))),
                    delete(
                        () ->
                            reply(
                                () ->
                                    dlq.purge()
                                        .thenApply(
                                            n ->
                                                Reply.ok(
                                                    Json.object()
                                                        .put("group", group)
                                                        .put("purged", n))))))),
        path(
            "replay",
            () ->
                post(
                    () ->
                        reply(
                            () ->
                                dlq.replayAll()
                                    .thenApply(n -> Reply.ok(Json.object().put("replayed", n)))))),
        pathPrefix(
            PathMatchers.longSegment(),
            offset ->
                concat(
                    pathEnd(() -> get(() -> reply(() -> showDeadLetter(dlq, offset)))),
                    path(
                        "replay",
                        () ->
                            post(
                                () ->
                                    reply(
                                        () ->
                                            showDeadLetter(dlq, offset)
                                                .thenCompose(exists -> dlq.replay(offset))
                                                .thenApply(
                                                    n ->
                                                        Reply.ok(
                                                            Json.object()
                                                                .put("replayed", n)))))))));
  }

  private CompletionStage<Reply> listDeadLetters(DeadLetterQueue dlq, long from, int limit) {
    return dlq.size()
        .thenCompose(
            size ->
                dlq.list(from, limit)
                    .thenApply(
                        letters -> {
                          ObjectNode body =
                              Json.object().put("topic", dlq.topic()).put("size", size);
                          ArrayNode list = Json.array();
                          letters.forEach(d -> list.add(Json.deadLetter(d, false)));
                          body.set("deadLetters", list);
                          if (letters.size() == limit) {
                            body.put("next", letters.get(letters.size() - 1).dlqOffset() + 1);
                          } else {
                            body.putNull("next");
                          }
                          return Reply.ok(body);
                        }));
  }

  private CompletionStage<Reply> showDeadLetter(DeadLetterQueue dlq, long offset) {
    return dlq.list(offset, 1)
        .thenApply(
            letters -> {
              if (letters.isEmpty() || letters.get(0).dlqOffset() != offset) {
                throw ApiError.notFound(
                    "unknown_dead_letter",
                    "no dead letter at offset " + offset + " of " + dlq.topic());
              }
              return Reply.ok(Json.deadLetter(letters.get(0), true));
            });
  }
}

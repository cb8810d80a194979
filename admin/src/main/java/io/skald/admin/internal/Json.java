package io.skald.admin.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.BacklogLimit;
import io.skald.framework.admin.Compaction;
import io.skald.framework.admin.GroupDescription;
import io.skald.framework.admin.GroupMember;
import io.skald.framework.admin.PartitionLag;
import io.skald.framework.admin.Retention;
import io.skald.framework.admin.TopicDifference;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.deadletter.DeadLetter;
import io.skald.framework.producer.RateLimit;
import io.skald.saga.SagaView;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * INTERNAL API: the JSON of the admin API, both ways. Parsing is strict: an unknown field, a wrong
 * type or an out-of-range number is an {@link ApiError} naming the field, never a default.
 */
public final class Json {
  /** The mapper (thread-safe once configured). */
  public static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static ArrayNode array() {
    return MAPPER.createArrayNode();
  }

  /** Parses a request body that must be a JSON object. */
  static ObjectNode parseObject(String text) {
    JsonNode node;
    try {
      node = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ApiError(
          org.apache.pekko.http.javadsl.model.StatusCodes.BAD_REQUEST,
          "malformed_json",
          "the body is not valid JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw ApiError.badRequest("the body must be a JSON object");
    }
    return (ObjectNode) node;
  }

  /** Refuses fields other than those allowed (a typo must not be silently ignored). */
  static void onlyFields(JsonNode node, String where, Set<String> allowed) {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw ApiError.badRequest(
            "unknown field \"" + name + "\" in " + where + "; allowed: " + allowed);
      }
    }
  }

  static String text(JsonNode node, String field, boolean required) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw ApiError.badRequest("\"" + field + "\" is required");
      }
      return null;
    }
    if (!value.isTextual()) {
      throw ApiError.badRequest("\"" + field + "\" must be a string");
    }
    return value.asText();
  }

  static long number(JsonNode node, String field, long min, long max) {
    JsonNode value = node.get(field);
    if (value == null
        || !value.isIntegralNumber()
        || !value.canConvertToLong()
        || value.asLong() < min
        || value.asLong() > max) {
      throw ApiError.badRequest(
          "\"" + field + "\" must be a whole number from " + min + " to " + max);
    }
    return value.asLong();
  }

  static boolean bool(JsonNode node, String field, boolean absent) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return absent;
    }
    if (!value.isBoolean()) {
      throw ApiError.badRequest("\"" + field + "\" must be true or false");
    }
    return value.asBoolean();
  }

  /** A duration: ISO-8601 ({@code PT72H}) or HOCON ({@code 3d}, {@code 90 minutes}). */
  static Duration duration(JsonNode node, String field) {
    String text = text(node, field, true);
    try {
      return Duration.parse(text);
    } catch (DateTimeParseException iso) {
      try {
        return ConfigFactory.empty()
            .withValue("d", ConfigValueFactory.fromAnyRef(text))
            .getDuration("d");
      } catch (ConfigException hocon) {
        throw ApiError.badRequest(
            "\"" + field + "\" must be a duration such as PT72H or 3d, was \"" + text + "\"");
      }
    }
  }

  static Instant instant(JsonNode node, String field) {
    String text = text(node, field, true);
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw ApiError.badRequest(
          "\""
              + field
              + "\" must be an ISO-8601 instant such as 2026-12-01T09:00:00Z, was \""
              + text
              + "\"");
    }
  }

  // ----- topics

  static ObjectNode topic(TopicSpec spec) {
    ObjectNode json = object().put("name", spec.name()).put("partitions", spec.partitions());
    json.set("retention", retention(spec.retention()));
    json.set("backlogLimit", backlogLimit(spec.backlogLimit()));
    json.set("compaction", compaction(spec.compaction()));
    if (spec.maxRecordBytes() > 0) {
      json.put("maxRecordBytes", spec.maxRecordBytes());
    } else {
      json.putNull("maxRecordBytes");
    }
    json.set("rateLimit", rateLimit(spec.rateLimit()));
    return json;
  }

  private static JsonNode rateLimit(RateLimit r) {
    if (r == null) {
      return MAPPER.nullNode();
    }
    ObjectNode json = object();
    if (r.recordsPerSecond() > 0) {
      json.put("recordsPerSecond", r.recordsPerSecond());
    } else {
      json.putNull("recordsPerSecond");
    }
    if (r.bytesPerSecond() > 0) {
      json.put("bytesPerSecond", r.bytesPerSecond());
    } else {
      json.putNull("bytesPerSecond");
    }
    return json.put("burst", r.burst().toString()).put("whenExceeded", r.whenExceeded().name());
  }

  private static JsonNode retention(Retention r) {
    ObjectNode json = object();
    if (r.maxAge() == null) {
      json.putNull("maxAge");
    } else {
      json.put("maxAge", r.maxAge().toString());
    }
    if (r.maxBytes() > 0) {
      json.put("maxBytes", r.maxBytes());
    } else {
      json.putNull("maxBytes");
    }
    if (r.maxRecords() > 0) {
      json.put("maxRecords", r.maxRecords());
    } else {
      json.putNull("maxRecords");
    }
    return json;
  }

  private static JsonNode backlogLimit(BacklogLimit b) {
    if (b == null) {
      return MAPPER.nullNode();
    }
    return object().put("maxRecords", b.maxRecords()).put("policy", b.policy().name());
  }

  private static JsonNode compaction(Compaction c) {
    if (c == null) {
      return MAPPER.nullNode();
    }
    return object()
        .put("tombstoneRetention", c.tombstoneRetention().toString())
        .put("minDirtyRecords", c.minDirtyRecords());
  }

  static final Set<String> TOPIC_FIELDS =
      Set.of(
          "name",
          "partitions",
          "retention",
          "backlogLimit",
          "compaction",
          "maxRecordBytes",
          "rateLimit");

  /** A whole topic definition (for create). */
  static TopicSpec topicSpec(ObjectNode body) {
    onlyFields(body, "a topic", TOPIC_FIELDS);
    String name = text(body, "name", true);
    int partitions = (int) number(body, "partitions", 1, TopicSpec.MAX_PARTITIONS);
    return settings(body, TopicSpec.of(name, partitions));
  }

  /** The settings a body names, over a base definition: a field absent keeps the base's. */
  static TopicSpec settings(ObjectNode body, TopicSpec base) {
    TopicSpec spec = base;
    try {
      if (body.has("retention")) {
        spec = spec.withRetention(parseRetention(body.get("retention")));
      }
      if (body.has("backlogLimit")) {
        spec = spec.withBacklogLimit(parseBacklogLimit(body.get("backlogLimit")));
      }
      if (body.has("compaction")) {
        spec = spec.withCompaction(parseCompaction(body.get("compaction")));
      }
      if (body.has("maxRecordBytes")) {
        spec =
            spec.withMaxRecordBytes(
                present(body, "maxRecordBytes")
                    ? (int) number(body, "maxRecordBytes", 1, TopicSpec.MAX_RECORD_BYTES)
                    : 0);
      }
      if (body.has("rateLimit")) {
        spec = spec.withRateLimit(parseRateLimit(body.get("rateLimit")));
      }
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(e.getMessage());
    }
    return spec;
  }

  private static Retention parseRetention(JsonNode node) {
    if (node.isNull()) {
      return Retention.forever();
    }
    if (!node.isObject()) {
      throw ApiError.badRequest("\"retention\" must be an object or null");
    }
    onlyFields(node, "retention", Set.of("maxAge", "maxBytes", "maxRecords"));
    Retention r = Retention.forever();
    if (present(node, "maxAge")) {
      r = r.withMaxAge(duration(node, "maxAge"));
    }
    if (present(node, "maxBytes")) {
      r = r.withMaxBytes(number(node, "maxBytes", 1, Long.MAX_VALUE));
    }
    if (present(node, "maxRecords")) {
      r = r.withMaxRecords(number(node, "maxRecords", 1, Long.MAX_VALUE));
    }
    return r;
  }

  private static BacklogLimit parseBacklogLimit(JsonNode node) {
    if (node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw ApiError.badRequest("\"backlogLimit\" must be an object or null");
    }
    onlyFields(node, "backlogLimit", Set.of("maxRecords", "policy"));
    String policy = text(node, "policy", false);
    BacklogLimit.OverflowPolicy overflow;
    try {
      overflow =
          policy == null
              ? BacklogLimit.OverflowPolicy.REJECT_NEW
              : BacklogLimit.OverflowPolicy.valueOf(policy);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(
          "\"policy\" must be one of "
              + List.of(BacklogLimit.OverflowPolicy.values())
              + ", was \""
              + policy
              + "\"");
    }
    return new BacklogLimit(number(node, "maxRecords", 1, Long.MAX_VALUE), overflow);
  }

  private static RateLimit parseRateLimit(JsonNode node) {
    if (node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw ApiError.badRequest("\"rateLimit\" must be an object or null");
    }
    onlyFields(
        node, "rateLimit", Set.of("recordsPerSecond", "bytesPerSecond", "burst", "whenExceeded"));
    Double records = rate(node, "recordsPerSecond");
    Double bytes = rate(node, "bytesPerSecond");
    if (records == null && bytes == null) {
      throw ApiError.badRequest(
          "\"rateLimit\" needs \"recordsPerSecond\", \"bytesPerSecond\" or both");
    }
    RateLimit limit =
        records != null ? RateLimit.recordsPerSecond(records) : RateLimit.bytesPerSecond(bytes);
    if (records != null && bytes != null) {
      limit = limit.andBytesPerSecond(bytes);
    }
    if (present(node, "burst")) {
      limit = limit.withBurst(duration(node, "burst"));
    }
    String policy = text(node, "whenExceeded", false);
    if (policy != null) {
      try {
        limit = limit.whenExceeded(RateLimit.WhenExceeded.valueOf(policy));
      } catch (IllegalArgumentException e) {
        throw ApiError.badRequest(
            "\"whenExceeded\" must be one of "
                + List.of(RateLimit.WhenExceeded.values())
                + ", was \""
                + policy
                + "\"");
      }
    }
    return limit;
  }

  /** A positive rate, or null when absent. */
  private static Double rate(JsonNode node, String field) {
    if (!present(node, field)) {
      return null;
    }
    JsonNode value = node.get(field);
    if (!value.isNumber() || !(value.asDouble() > 0) || Double.isInfinite(value.asDouble())) {
      throw ApiError.badRequest("\"" + field + "\" must be a positive number, was " + value);
    }
    return value.asDouble();
  }

  private static Compaction parseCompaction(JsonNode node) {
    if (node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw ApiError.badRequest("\"compaction\" must be an object or null");
    }
    onlyFields(node, "compaction", Set.of("tombstoneRetention", "minDirtyRecords"));
    Compaction c = Compaction.latestPerKey();
    if (present(node, "tombstoneRetention")) {
      c = c.withTombstoneRetention(duration(node, "tombstoneRetention"));
    }
    if (present(node, "minDirtyRecords")) {
      c = c.withMinDirtyRecords(number(node, "minDirtyRecords", 1, Long.MAX_VALUE));
    }
    return c;
  }

  private static boolean present(JsonNode node, String field) {
    return node.has(field) && !node.get(field).isNull();
  }

  static ArrayNode differences(List<TopicDifference> differences) {
    ArrayNode list = array();
    for (TopicDifference d : differences) {
      list.add(
          object()
              .put("setting", d.setting().name())
              .put("existing", d.existing())
              .put("requested", d.requested()));
    }
    return list;
  }

  // ----- groups

  static ObjectNode partition(TopicPartition tp) {
    return object().put("topic", tp.topic()).put("partition", tp.partition());
  }

  static ObjectNode group(GroupDescription d) {
    ObjectNode json =
        object()
            .put("group", d.group())
            .put("state", d.state().name())
            .put("generation", d.generation())
            .put("totalLag", d.totalLag());
    ArrayNode members = array();
    for (GroupMember m : d.members()) {
      ObjectNode member = object().put("memberId", m.memberId()).put("address", m.address());
      ArrayNode topics = array();
      m.topics().forEach(topics::add);
      member.set("topics", topics);
      ArrayNode partitions = array();
      m.partitions().forEach(tp -> partitions.add(partition(tp)));
      member.set("partitions", partitions);
      members.add(member);
    }
    json.set("members", members);
    ArrayNode partitions = array();
    for (PartitionLag lag : d.partitions()) {
      partitions.add(
          partition(lag.topicPartition())
              .put("logStartOffset", lag.logStartOffset())
              .put("logEndOffset", lag.logEndOffset())
              .put("committedOffset", lag.committedOffset())
              .put("lag", lag.lag()));
    }
    json.set("partitions", partitions);
    return json;
  }

  // ----- dead letters

  static ObjectNode deadLetter(DeadLetter d, boolean full) {
    ObjectNode json =
        object()
            .put("dlqOffset", d.dlqOffset())
            .put("topic", d.original().topic())
            .put("partition", d.original().partition())
            .put("originalOffset", d.originalOffset())
            .put("attempts", d.attempts())
            .put("reason", d.reason() == null ? null : d.reason().name())
            .put("errorClass", d.errorClass())
            .put("errorMessage", d.errorMessage())
            .put("firstFailure", d.firstFailure() == null ? null : d.firstFailure().toString())
            .put("lastFailure", d.lastFailure() == null ? null : d.lastFailure().toString())
            .put("key", d.key() == null ? null : new String(d.key(), StandardCharsets.UTF_8));
    if (full) {
      json.put("value", d.value() == null ? null : new String(d.value(), StandardCharsets.UTF_8));
      json.put(
          "valueBase64", d.value() == null ? null : Base64.getEncoder().encodeToString(d.value()));
      ObjectNode headers = object();
      new java.util.TreeMap<>(d.headers()).forEach(headers::put);
      json.set("headers", headers);
    }
    return json;
  }

  // ----- sagas

  static ObjectNode saga(SagaView<?> view) {
    ObjectNode json =
        object()
            .put("sagaId", view.sagaId())
            .put("saga", view.sagaName())
            .put("status", view.status().name())
            .put("version", view.version())
            .put("reason", view.reason())
            .put("deadline", view.deadline() == null ? null : view.deadline().toString())
            .put("deadlinePassed", view.deadlinePassed());
    ArrayNode steps = array();
    for (SagaView.Step step : view.steps()) {
      steps.add(
          object()
              .put("name", step.name())
              .put("forward", step.forward().name())
              .put("compensation", step.compensation().name())
              .put("attempt", step.attempt()));
    }
    json.set("steps", steps);
    ArrayNode history = array();
    for (SagaView.HistoryEntry h : view.history()) {
      history.add(
          object().put("at", h.at().toString()).put("step", h.step()).put("what", h.what()));
    }
    json.set("history", history);
    try {
      json.set("data", MAPPER.valueToTree(view.data()));
    } catch (IllegalArgumentException e) {
      json.put("data", String.valueOf(view.data())); // a type Jackson cannot map: its toString
    }
    return json;
  }
}

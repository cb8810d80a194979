package io.skald.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skald topics list|describe|create|alter}. */
@Command(
    name = "topics",
    mixinStandardHelpOptions = true,
    description = "List, describe, create, alter and delete topics.",
    subcommands = {
      TopicsCommand.ListTopics.class,
      TopicsCommand.Describe.class,
      TopicsCommand.Create.class,
      TopicsCommand.Alter.class,
      TopicsCommand.Delete.class
    })
final class TopicsCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "a subcommand is required: list, describe, create, alter or delete");
  }

  static String retention(JsonNode r) {
    List<String> parts = new ArrayList<>();
    if (!r.path("maxAge").isNull() && !r.path("maxAge").isMissingNode()) {
      parts.add("maxAge " + r.path("maxAge").asText());
    }
    if (r.path("maxBytes").isNumber()) {
      parts.add("maxBytes " + r.path("maxBytes").asLong());
    }
    if (r.path("maxRecords").isNumber()) {
      parts.add("maxRecords " + r.path("maxRecords").asLong());
    }
    return parts.isEmpty() ? "forever" : String.join(", ", parts);
  }

  static String backlog(JsonNode b) {
    return b.isNull() || b.isMissingNode()
        ? "-"
        : b.path("maxRecords").asLong() + " " + b.path("policy").asText();
  }

  static String compaction(JsonNode c) {
    return c.isNull() || c.isMissingNode()
        ? "-"
        : "tombstones "
            + c.path("tombstoneRetention").asText()
            + ", after "
            + c.path("minDirtyRecords").asLong()
            + " dirty";
  }

  static String maxRecord(JsonNode bytes) {
    return bytes.isNumber() ? bytes.asLong() + " bytes" : "node default";
  }

  static String rateLimit(JsonNode q) {
    if (q.isNull() || q.isMissingNode()) {
      return "-";
    }
    List<String> parts = new ArrayList<>();
    if (q.path("recordsPerSecond").isNumber()) {
      parts.add(rate(q.path("recordsPerSecond").asDouble()) + " records/s");
    }
    if (q.path("bytesPerSecond").isNumber()) {
      parts.add(rate(q.path("bytesPerSecond").asDouble()) + " bytes/s");
    }
    return String.join(", ", parts)
        + ", burst "
        + q.path("burst").asText()
        + ", "
        + q.path("whenExceeded").asText();
  }

  private static String rate(double rate) {
    return rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate);
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Every topic.")
  static final class ListTopics extends SkaldCli.ApiCommand {
    @Override
    int call(AdminApi api, Output output) {
      JsonNode body = api.get("/topics");
      if (!output.raw(body)) {
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode t : body.path("topics")) {
          rows.add(
              List.of(
                  t.path("name").asText(),
                  t.path("partitions").asText(),
                  retention(t.path("retention")),
                  backlog(t.path("backlogLimit")),
                  compaction(t.path("compaction"))));
        }
        output.table(
            List.of("TOPIC", "PARTITIONS", "RETENTION", "BACKLOG-LIMIT", "COMPACTION"), rows);
      }
      return SkaldCli.EXIT_OK;
    }
  }

  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      description = "A topic's settings and the offsets of each partition.")
  static final class Describe extends SkaldCli.ApiCommand {
    @Parameters(paramLabel = "TOPIC", description = "The topic.")
    String topic;

    @Override
    int call(AdminApi api, Output output) {
      JsonNode t = api.get("/topics/" + AdminApi.encode(topic));
      if (!output.raw(t)) {
        output.line("topic:         " + t.path("name").asText());
        output.line("partitions:    " + t.path("partitions").asInt());
        output.line("retention:     " + retention(t.path("retention")));
        output.line("backlog limit: " + backlog(t.path("backlogLimit")));
        output.line("compaction:    " + compaction(t.path("compaction")));
        output.line("max record:    " + maxRecord(t.path("maxRecordBytes")));
        output.line("rate limit:    " + rateLimit(t.path("rateLimit")));
        output.line("records:       " + t.path("records").asLong());
        output.line("size:          " + t.path("sizeBytes").asLong() + " bytes");
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode p : t.path("partitionOffsets")) {
          rows.add(
              List.of(
                  p.path("partition").asText(),
                  p.path("logStartOffset").asText(),
                  p.path("logEndOffset").asText(),
                  p.path("records").asText(),
                  p.path("sizeBytes").asText()));
        }
        output.table(List.of("PARTITION", "LOG-START", "LOG-END", "RECORDS", "BYTES"), rows);
      }
      return SkaldCli.EXIT_OK;
    }
  }

  /** The settings options of create and alter. */
  static final class Settings {
    @Option(
        names = "--retention-max-age",
        paramLabel = "DURATION",
        converter = SkaldCli.DurationConverter.class,
        description = "Delete records older than this (e.g. 7d).")
    Duration maxAge;

    @Option(
        names = "--retention-max-bytes",
        paramLabel = "BYTES",
        description = "Keep at most this many payload bytes per partition.")
    Long maxBytes;

    @Option(
        names = "--retention-max-records",
        paramLabel = "N",
        description = "Keep at most this many records per partition.")
    Long maxRecords;

    @Option(names = "--retention-forever", description = "Remove every retention limit.")
    boolean forever;

    @Option(
        names = "--backlog-limit",
        paramLabel = "N",
        description = "Bound the unconsumed records per partition.")
    Long backlogLimit;

    @Option(
        names = "--backlog-policy",
        paramLabel = "POLICY",
        description = "REJECT_NEW (default) or DROP_OLDEST.")
    String backlogPolicy;

    @Option(names = "--no-backlog-limit", description = "Remove the backlog limit.")
    boolean noBacklogLimit;

    @Option(names = "--compacted", description = "Keep the latest record per key.")
    boolean compacted;

    @Option(
        names = "--tombstone-retention",
        paramLabel = "DURATION",
        converter = SkaldCli.DurationConverter.class,
        description = "With --compacted: how long a tombstone stays readable.")
    Duration tombstoneRetention;

    @Option(
        names = "--min-dirty-records",
        paramLabel = "N",
        description = "With --compacted: the appended records that start a compaction.")
    Long minDirtyRecords;

    @Option(names = "--no-compaction", description = "Stop compacting.")
    boolean noCompaction;

    @Option(
        names = "--max-record-bytes",
        paramLabel = "BYTES",
        description = "The largest record (key, value, headers) the topic accepts.")
    Long maxRecordBytes;

    @Option(
        names = "--default-max-record-bytes",
        description = "Accept records up to the node's skald.framework.max-record-bytes.")
    boolean defaultMaxRecordBytes;

    @Option(
        names = "--rate-limit-records",
        paramLabel = "N",
        description = "Quota for all producers together: at most N records per second.")
    Double rateRecords;

    @Option(
        names = "--rate-limit-bytes",
        paramLabel = "BYTES",
        description = "Quota for all producers together: at most BYTES per second.")
    Double rateBytes;

    @Option(
        names = "--rate-limit-burst",
        paramLabel = "DURATION",
        converter = SkaldCli.DurationConverter.class,
        description = "With a quota: the burst allowance (default 1s).")
    Duration rateBurst;

    @Option(
        names = "--rate-limit-policy",
        paramLabel = "POLICY",
        description = "With a quota: DELAY (default) or REFUSE.")
    String ratePolicy;

    @Option(names = "--no-rate-limit", description = "Remove the quota.")
    boolean noRateLimit;

    /** Writes the settings given into a body, over the current ones (null for a new topic). */
    void into(ObjectNode body, JsonNode current, SkaldCli.ApiCommand command) {
      boolean retentionGiven = maxAge != null || maxBytes != null || maxRecords != null;
      if (forever && retentionGiven) {
        throw command.usage("--retention-forever cannot be combined with a retention limit");
      }
      if (forever) {
        body.putNull("retention");
      } else if (retentionGiven) {
        ObjectNode r =
            current == null || !current.path("retention").isObject()
                ? AdminApi.object()
                : ((ObjectNode) current.path("retention")).deepCopy();
        if (maxAge != null) {
          r.put("maxAge", maxAge.toString());
        }
        if (maxBytes != null) {
          r.put("maxBytes", maxBytes);
        }
        if (maxRecords != null) {
          r.put("maxRecords", maxRecords);
        }
        body.set("retention", r);
      }
      if (noBacklogLimit && (backlogLimit != null || backlogPolicy != null)) {
        throw command.usage("--no-backlog-limit cannot be combined with --backlog-limit");
      }
      if (noBacklogLimit) {
        body.putNull("backlogLimit");
      } else if (backlogLimit != null) {
        ObjectNode b = AdminApi.object().put("maxRecords", backlogLimit);
        if (backlogPolicy != null) {
          b.put("policy", backlogPolicy.toUpperCase(java.util.Locale.ROOT));
        }
        body.set("backlogLimit", b);
      } else if (backlogPolicy != null) {
        throw command.usage("--backlog-policy needs --backlog-limit");
      }
      boolean compactionGiven = compacted || tombstoneRetention != null || minDirtyRecords != null;
      if (noCompaction && compactionGiven) {
        throw command.usage("--no-compaction cannot be combined with compaction options");
      }
      if (noCompaction) {
        body.putNull("compaction");
      } else if (compactionGiven) {
        ObjectNode c = AdminApi.object();
        if (tombstoneRetention != null) {
          c.put("tombstoneRetention", tombstoneRetention.toString());
        }
        if (minDirtyRecords != null) {
          c.put("minDirtyRecords", minDirtyRecords);
        }
        body.set("compaction", c);
      }
      if (defaultMaxRecordBytes && maxRecordBytes != null) {
        throw command.usage(
            "--default-max-record-bytes cannot be combined with --max-record-bytes");
      }
      if (defaultMaxRecordBytes) {
        body.putNull("maxRecordBytes");
      } else if (maxRecordBytes != null) {
        body.put("maxRecordBytes", maxRecordBytes);
      }
      boolean quotaGiven = rateRecords != null || rateBytes != null;
      if (noRateLimit && (quotaGiven || rateBurst != null || ratePolicy != null)) {
        throw command.usage("--no-rate-limit cannot be combined with rate limit options");
      }
      if (noRateLimit) {
        body.putNull("rateLimit");
      } else if (quotaGiven) {
        ObjectNode q = AdminApi.object();
        if (rateRecords != null) {
          q.put("recordsPerSecond", rateRecords);
        }
        if (rateBytes != null) {
          q.put("bytesPerSecond", rateBytes);
        }
        if (rateBurst != null) {
          q.put("burst", rateBurst.toString());
        }
        if (ratePolicy != null) {
          q.put("whenExceeded", ratePolicy.toUpperCase(java.util.Locale.ROOT));
        }
        body.set("rateLimit", q);
      } else if (rateBurst != null || ratePolicy != null) {
        throw command.usage(
            "--rate-limit-burst and --rate-limit-policy need --rate-limit-records or"
                + " --rate-limit-bytes");
      }
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a topic.")
  static final class Create extends SkaldCli.ApiCommand {
    @Parameters(paramLabel = "TOPIC", description = "The topic.")
    String topic;

    @Option(
        names = {"-p", "--partitions"},
        required = true,
        description = "The partition count.")
    int partitions;

    @ArgGroup(exclusive = false)
    Settings settings = new Settings();

    @Override
    int call(AdminApi api, Output output) {
      ObjectNode body = AdminApi.object().put("name", topic).put("partitions", partitions);
      settings.into(body, null, this);
      JsonNode created = api.post("/topics", body);
      if (!output.raw(created)) {
        output.line(
            "created topic "
                + created.path("name").asText()
                + " with "
                + created.path("partitions").asInt()
                + " partitions");
      }
      return SkaldCli.EXIT_OK;
    }
  }

  @Command(
      name = "alter",
      mixinStandardHelpOptions = true,
      description = {
        "Change a topic's retention, backlog limit, compaction, record size limit or partition"
            + " count.",
        "Options not given keep their value; a retention option changes only that limit.",
        "The partition count can only grow; keys then map to other partitions."
      })
  static final class Alter extends SkaldCli.ApiCommand {
    @Parameters(paramLabel = "TOPIC", description = "The topic.")
    String topic;

    @Option(
        names = {"-p", "--partitions"},
        paramLabel = "N",
        description = "Grow the topic to this many partitions.")
    Integer partitions;

    @ArgGroup(exclusive = false)
    Settings settings = new Settings();

    @Override
    int call(AdminApi api, Output output) {
      JsonNode current = api.get("/topics/" + AdminApi.encode(topic));
      ObjectNode body = AdminApi.object();
      settings.into(body, current, this);
      if (partitions != null) {
        body.put("partitions", partitions);
      }
      if (body.isEmpty()) {
        throw usage("nothing to change: give at least one setting (see --help)");
      }
      JsonNode altered = api.patch("/topics/" + AdminApi.encode(topic), body);
      if (!output.raw(altered)) {
        JsonNode now = altered.path("current");
        output.line("altered topic " + topic);
        output.line("partitions:    " + now.path("partitions").asInt());
        output.line("retention:     " + retention(now.path("retention")));
        output.line("backlog limit: " + backlog(now.path("backlogLimit")));
        output.line("compaction:    " + compaction(now.path("compaction")));
        output.line("max record:    " + maxRecord(now.path("maxRecordBytes")));
        output.line("rate limit:    " + rateLimit(now.path("rateLimit")));
      }
      return SkaldCli.EXIT_OK;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Delete a topic and its data (for good: needs --yes).")
  static final class Delete extends SkaldCli.ApiCommand {
    @Parameters(paramLabel = "TOPIC", description = "The topic.")
    String topic;

    @Option(names = "--yes", description = "Confirm: the topic's records are deleted for good.")
    boolean yes;

    @Override
    int call(AdminApi api, Output output) {
      if (!yes) {
        throw usage("delete removes the topic's records for good: add --yes to confirm");
      }
      JsonNode deleted = api.delete("/topics/" + AdminApi.encode(topic));
      if (!output.raw(deleted)) {
        output.line("deleted topic " + topic);
      }
      return SkaldCli.EXIT_OK;
    }
  }
}

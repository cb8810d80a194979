package io.skald.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skald groups list|describe|reset-offsets|delete}, as kafka-consumer-groups. */
@Command(
    name = "groups",
    mixinStandardHelpOptions = true,
    description = "List, describe, reset and delete consumer groups.",
    subcommands = {
      GroupsCommand.ListGroups.class,
      GroupsCommand.Describe.class,
      GroupsCommand.ResetOffsets.class,
      GroupsCommand.Delete.class
    })
final class GroupsCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "a subcommand is required: list, describe, reset-offsets or delete");
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Every consumer group.")
  static final class ListGroups extends SkaldCli.ApiCommand {
    @Override
    int call(AdminApi api, Output output) {
      JsonNode body = api.get("/groups");
      if (!output.raw(body)) {
        List<List<String>> rows = new ArrayList<>();
        body.path("groups").forEach(g -> rows.add(List.of(g.asText())));
        output.table(List.of("GROUP"), rows);
      }
      return SkaldCli.EXIT_OK;
    }
  }

  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      description = "A group's state, members, and per partition its committed offset and lag.")
  static final class Describe extends SkaldCli.ApiCommand {
    @Parameters(paramLabel = "GROUP", description = "The consumer group.")
    String group;

    @Override
    int call(AdminApi api, Output output) {
      JsonNode d = api.get("/groups/" + AdminApi.encode(group));
      if (!output.raw(d)) {
        output.line(
            "group "
                + d.path("group").asText()
                + ": "
                + d.path("state").asText()
                + ", generation "
                + d.path("generation").asLong()
                + ", "
                + d.path("members").size()
                + " member(s), total lag "
                + d.path("totalLag").asLong());
        Map<String, String> owners = new HashMap<>();
        for (JsonNode m : d.path("members")) {
          for (JsonNode p : m.path("partitions")) {
            owners.put(
                p.path("topic").asText() + "-" + p.path("partition").asInt(),
                m.path("memberId").asText() + " @ " + m.path("address").asText());
          }
        }
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode p : d.path("partitions")) {
          String key = p.path("topic").asText() + "-" + p.path("partition").asInt();
          long committed = p.path("committedOffset").asLong();
          rows.add(
              List.of(
                  p.path("topic").asText(),
                  p.path("partition").asText(),
                  committed < 0 ? "-" : Long.toString(committed),
                  p.path("logEndOffset").asText(),
                  p.path("lag").asText(),
                  owners.getOrDefault(key, "-")));
        }
        output.table(List.of("TOPIC", "PARTITION", "COMMITTED", "LOG-END", "LAG", "MEMBER"), rows);
      }
      return SkaldCli.EXIT_OK;
    }
  }

  /** Where to move the offsets: exactly one. */
  static final class Target {
    @Option(names = "--to-earliest", required = true, description = "The first retained offset.")
    boolean earliest;

    @Option(names = "--to-latest", required = true, description = "The log end (skip everything).")
    boolean latest;

    @Option(
        names = "--to-offset",
        required = true,
        paramLabel = "OFFSET",
        description = "An offset (clamped to the log).")
    Long offset;

    @Option(
        names = "--to-datetime",
        required = true,
        paramLabel = "INSTANT",
        description =
            "The first record at or after an ISO-8601 instant, e.g. 2026-12-01T09:00:00Z.")
    String datetime;
  }

  /** Dry run (the default) or execute. */
  static final class Mode {
    @Option(names = "--dry-run", description = "Show the new offsets only (the default).")
    boolean dryRun;

    @Option(names = "--execute", description = "Commit the new offsets.")
    boolean execute;
  }

  @Command(
      name = "reset-offsets",
      mixinStandardHelpOptions = true,
      description = {
        "Move an inactive group's committed offsets on every partition of a topic.",
        "Without --execute it is a dry run that changes nothing."
      })
  static final class ResetOffsets extends SkaldCli.ApiCommand {
    @Parameters(paramLabel = "GROUP", description = "The consumer group (no active member).")
    String group;

    @Option(names = "--topic", required = true, description = "The topic.")
    String topic;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Mode mode;

    @Override
    int call(AdminApi api, Output output) {
      boolean execute = mode != null && mode.execute;
      ObjectNode body = AdminApi.object().put("topic", topic).put("dryRun", !execute);
      if (target.earliest) {
        body.put("to", "earliest");
      } else if (target.latest) {
        body.put("to", "latest");
      } else if (target.offset != null) {
        body.put("to", "offset").put("offset", target.offset);
      } else {
        try {
          Instant.parse(target.datetime);
        } catch (DateTimeParseException e) {
          throw usage(
              "--to-datetime must be an ISO-8601 instant such as 2026-12-01T09:00:00Z, was "
                  + target.datetime);
        }
        body.put("to", "datetime").put("datetime", target.datetime);
      }
      JsonNode reset = api.post("/groups/" + AdminApi.encode(group) + "/reset-offsets", body);
      if (!output.raw(reset)) {
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode o : reset.path("offsets")) {
          long current = o.path("current").asLong();
          rows.add(
              List.of(
                  topic,
                  o.path("partition").asText(),
                  current < 0 ? "-" : Long.toString(current),
                  o.path("target").asText()));
        }
        output.table(List.of("TOPIC", "PARTITION", "CURRENT", "NEW"), rows);
        output.line(
            execute
                ? "offsets of group " + group + " reset"
                : "dry run: nothing changed; add --execute to commit these offsets");
      }
      return SkaldCli.EXIT_OK;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Delete an inactive group and its committed offsets.")
  static final class Delete extends SkaldCli.ApiCommand {
    @Parameters(paramLabel = "GROUP", description = "The consumer group (no active member).")
    String group;

    @Override
    int call(AdminApi api, Output output) {
      JsonNode deleted = api.delete("/groups/" + AdminApi.encode(group));
      if (!output.raw(deleted)) {
        output.line("deleted group " + group);
      }
      return SkaldCli.EXIT_OK;
    }
  }
}

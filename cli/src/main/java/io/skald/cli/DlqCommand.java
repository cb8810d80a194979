package io.skald.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skald dlq list|show|replay|purge}: a consumer group's dead letters. */
@Command(
    name = "dlq",
    mixinStandardHelpOptions = true,
    description = "Inspect, replay and purge a consumer group's dead letters.",
    subcommands = {
      DlqCommand.ListLetters.class,
      DlqCommand.Show.class,
      DlqCommand.Replay.class,
      DlqCommand.Purge.class
    })
final class DlqCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "a subcommand is required: list, show, replay or purge");
  }

  static String path(String group) {
    return "/groups/" + AdminApi.encode(group) + "/dead-letters";
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "A page of dead letters.")
  static final class ListLetters extends SkaldCli.ApiCommand {
    @Parameters(paramLabel = "GROUP", description = "The consumer group.")
    String group;

    @Option(
        names = "--from",
        defaultValue = "0",
        description = "The first dead-letter offset. Default: ${DEFAULT-VALUE}.")
    long from;

    @Option(
        names = "--limit",
        defaultValue = "50",
        description = "The most to list (1 to 1000). Default: ${DEFAULT-VALUE}.")
    int limit;

    @Override
    int call(AdminApi api, Output output) {
      JsonNode page = api.get(path(group) + "?from=" + from + "&limit=" + limit);
      if (!output.raw(page)) {
        output.line(
            page.path("topic").asText() + ": " + page.path("size").asLong() + " dead letter(s)");
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode d : page.path("deadLetters")) {
          rows.add(
              List.of(
                  d.path("dlqOffset").asText(),
                  d.path("topic").asText()
                      + "-"
                      + d.path("partition").asInt()
                      + "@"
                      + d.path("originalOffset").asLong(),
                  Output.text(d.path("reason")),
                  d.path("attempts").asText(),
                  Output.text(d.path("key")),
                  Output.text(d.path("errorMessage"))));
        }
        output.table(List.of("OFFSET", "FROM", "REASON", "ATTEMPTS", "KEY", "ERROR"), rows);
        if (page.path("next").isNumber()) {
          output.line("more: --from " + page.path("next").asLong());
        }
      }
      return SkaldCli.EXIT_OK;
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "One dead letter, with its headers.")
  static final class Show extends SkaldCli.ApiCommand {
    @Parameters(index = "0", paramLabel = "GROUP", description = "The consumer group.")
    String group;

    @Parameters(index = "1", paramLabel = "OFFSET", description = "Its dead-letter offset.")
    long offset;

    @Override
    int call(AdminApi api, Output output) {
      JsonNode d = api.get(path(group) + "/" + offset);
      if (!output.raw(d)) {
        output.line("offset:        " + d.path("dlqOffset").asLong());
        output.line(
            "from:          "
                + d.path("topic").asText()
                + "-"
                + d.path("partition").asInt()
                + " offset "
                + d.path("originalOffset").asLong());
        output.line(
            "reason:        "
                + Output.text(d.path("reason"))
                + " after "
                + d.path("attempts").asInt()
                + " attempt(s)");
        output.line(
            "error:         "
                + Output.text(d.path("errorClass"))
                + ": "
                + Output.text(d.path("errorMessage")));
        output.line("first failure: " + Output.text(d.path("firstFailure")));
        output.line("last failure:  " + Output.text(d.path("lastFailure")));
        output.line("key:           " + Output.text(d.path("key")));
        output.line("value:         " + Output.text(d.path("value")));
        List<List<String>> rows = new ArrayList<>();
        d.path("headers")
            .properties()
            .forEach(h -> rows.add(List.of(h.getKey(), h.getValue().asText())));
        output.table(List.of("HEADER", "VALUE"), rows);
      }
      return SkaldCli.EXIT_OK;
    }
  }

  @Command(
      name = "replay",
      mixinStandardHelpOptions = true,
      description = "Send dead letters back to their topic (once each).")
  static final class Replay extends SkaldCli.ApiCommand {
    @Parameters(index = "0", paramLabel = "GROUP", description = "The consumer group.")
    String group;

    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "OFFSET",
        description = "One dead letter; or --all.")
    Long offset;

    @Option(names = "--all", description = "Every dead letter.")
    boolean all;

    @Override
    int call(AdminApi api, Output output) {
      if ((offset == null) == !all) {
        throw usage("give either a dead-letter OFFSET or --all");
      }
      JsonNode replayed =
          api.post(all ? path(group) + "/replay" : path(group) + "/" + offset + "/replay", null);
      if (!output.raw(replayed)) {
        output.line("replayed " + replayed.path("replayed").asLong() + " dead letter(s)");
      }
      return SkaldCli.EXIT_OK;
    }
  }

  @Command(
      name = "purge",
      mixinStandardHelpOptions = true,
      description = "Delete every dead letter of a group.")
  static final class Purge extends SkaldCli.ApiCommand {
    @Parameters(paramLabel = "GROUP", description = "The consumer group.")
    String group;

    @Option(names = "--yes", description = "Confirm: the dead letters are deleted for good.")
    boolean yes;

    @Override
    int call(AdminApi api, Output output) {
      if (!yes) {
        throw usage("purge deletes the dead letters for good: add --yes to confirm");
      }
      JsonNode purged = api.delete(path(group));
      if (!output.raw(purged)) {
        output.line("purged " + purged.path("purged").asLong() + " dead letter(s)");
      }
      return SkaldCli.EXIT_OK;
    }
  }
}

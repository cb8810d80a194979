package io.skald.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skald sagas list|find|show|diagram|signal|migrate|retry|skip|compensate|abort}. */
@Command(
    name = "sagas",
    mixinStandardHelpOptions = true,
    description = "List and inspect saga instances, and act on parked ones.",
    subcommands = {
      SagasCommand.ListSagas.class,
      SagasCommand.Find.class,
      SagasCommand.Show.class,
      SagasCommand.Diagram.class,
      SagasCommand.Signal.class,
      SagasCommand.Migrate.class,
      SagasCommand.Retry.class,
      SagasCommand.Skip.class,
      SagasCommand.Compensate.class,
      SagasCommand.Abort.class
    })
final class SagasCommand implements Runnable {
  static final List<String> STATUSES =
      List.of("RUNNING", "COMPENSATING", "PARKED", "COMPLETED", "COMPENSATED", "ABORTED");

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(),
        "a subcommand is required: list, find, show, diagram, signal, migrate, retry, skip, compensate"
            + " or abort");
  }

  static String path(String saga, String id) {
    return "/sagas/" + AdminApi.encode(saga) + (id == null ? "" : "/" + AdminApi.encode(id));
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "Without SAGA: every saga with its instances by status.",
        "With SAGA: the ids of its instances, by --status, a page at a time."
      })
  static final class ListSagas extends SkaldCli.ApiCommand {
    @Parameters(arity = "0..1", paramLabel = "SAGA", description = "A saga definition's name.")
    String saga;

    @Option(
        names = "--status",
        description = "RUNNING, COMPENSATING, PARKED, COMPLETED, COMPENSATED or ABORTED.")
    String status;

    @Option(
        names = "--page",
        defaultValue = "0",
        description = "The page, from 0. Default: ${DEFAULT-VALUE}.")
    int page;

    @Option(
        names = "--size",
        defaultValue = "50",
        description = "Ids per page (1 to 1000). Default: ${DEFAULT-VALUE}.")
    int size;

    @Override
    int call(AdminApi api, Output output) {
      if (saga == null) {
        if (status != null) {
          throw usage("--status needs a SAGA");
        }
        JsonNode body = api.get("/sagas");
        if (!output.raw(body)) {
          List<List<String>> rows = new ArrayList<>();
          for (JsonNode s : body.path("sagas")) {
            List<String> row = new ArrayList<>();
            row.add(s.path("name").asText());
            STATUSES.forEach(st -> row.add(s.path("counts").path(st).asText("0")));
            rows.add(row);
          }
          List<String> header = new ArrayList<>(List.of("SAGA"));
          header.addAll(STATUSES);
          output.table(header, rows);
        }
        return SkaldCli.EXIT_OK;
      }
      String query = "?page=" + page + "&size=" + size;
      if (status != null) {
        query += "&status=" + AdminApi.encode(status.toUpperCase(java.util.Locale.ROOT));
      }
      JsonNode body = api.get(path(saga, null) + query);
      if (!output.raw(body)) {
        body.path("ids").forEach(id -> output.line(id.asText()));
        output.line(
            "("
                + body.path("ids").size()
                + " of "
                + body.path("total").asLong()
                + ", page "
                + page
                + ")");
      }
      return SkaldCli.EXIT_OK;
    }
  }

  @Command(
      name = "find",
      mixinStandardHelpOptions = true,
      description = {
        "The summaries of a saga's instances of one status, by time range and version, oldest"
            + " first; finished ones stay listed after retention deleted them.",
        "Prints the next page's cursor for --after when there is more."
      })
  static final class Find extends SkaldCli.ApiCommand {
    @Parameters(index = "0", paramLabel = "SAGA", description = "A saga definition's name.")
    String saga;

    @Option(
        names = "--status",
        required = true,
        description = "RUNNING, COMPENSATING, PARKED, COMPLETED, COMPENSATED or ABORTED.")
    String status;

    @Option(names = "--from", description = "The earliest change, ISO-8601 (2026-12-07T10:00:00Z).")
    String from;

    @Option(names = "--to", description = "The latest change, ISO-8601.")
    String to;

    @Option(names = "--version", description = "Only this definition version.")
    Integer version;

    @Option(
        names = "--limit",
        defaultValue = "100",
        description = "Summaries per page (1 to 1000). Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--after", description = "The cursor a previous page printed.")
    String after;

    @Override
    int call(AdminApi api, Output output) {
      StringBuilder query =
          new StringBuilder("?status=")
              .append(AdminApi.encode(status.toUpperCase(java.util.Locale.ROOT)))
              .append("&limit=")
              .append(limit);
      if (from != null) {
        query.append("&from=").append(AdminApi.encode(from));
      }
      if (to != null) {
        query.append("&to=").append(AdminApi.encode(to));
      }
      if (version != null) {
        query.append("&version=").append(version);
      }
      if (after != null) {
        query.append("&after=").append(AdminApi.encode(after));
      }
      JsonNode body = api.get(path(saga, null) + query);
      if (!output.raw(body)) {
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode s : body.path("items")) {
          rows.add(
              List.of(
                  s.path("sagaId").asText(),
                  s.path("status").asText(),
                  s.path("version").asText(),
                  Output.text(s.path("at")),
                  s.path("deleted").asBoolean() ? "yes" : "no"));
        }
        output.table(List.of("ID", "STATUS", "VERSION", "AT", "DELETED"), rows);
        if (!body.path("next").isNull() && !body.path("next").isMissingNode()) {
          output.line("(more: --after " + body.path("next").asText() + ")");
        }
      }
      return SkaldCli.EXIT_OK;
    }
  }

  static void printView(Output output, JsonNode view) {
    output.line("saga:   " + view.path("saga").asText() + " " + view.path("sagaId").asText());
    output.line("status: " + view.path("status").asText());
    if (view.path("version").asInt(1) != 1) {
      output.line("version: " + view.path("version").asInt());
    }
    if (!view.path("reason").isNull() && !view.path("reason").isMissingNode()) {
      output.line("reason: " + view.path("reason").asText());
    }
    List<List<String>> steps = new ArrayList<>();
    for (JsonNode s : view.path("steps")) {
      steps.add(
          List.of(
              s.path("name").asText(),
              s.path("forward").asText(),
              s.path("compensation").asText(),
              s.path("attempt").asText()));
    }
    output.table(List.of("STEP", "FORWARD", "COMPENSATION", "ATTEMPT"), steps);
    List<List<String>> history = new ArrayList<>();
    for (JsonNode h : view.path("history")) {
      history.add(
          List.of(h.path("at").asText(), Output.text(h.path("step")), h.path("what").asText()));
    }
    output.line("");
    output.table(List.of("AT", "STEP", "WHAT"), history);
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "An instance: status, steps and history.")
  static final class Show extends SkaldCli.ApiCommand {
    @Parameters(index = "0", paramLabel = "SAGA", description = "The saga definition's name.")
    String saga;

    @Parameters(index = "1", paramLabel = "ID", description = "The instance id.")
    String id;

    @Override
    int call(AdminApi api, Output output) {
      JsonNode view = api.get(path(saga, id));
      if (!output.raw(view)) {
        printView(output, view);
      }
      return SkaldCli.EXIT_OK;
    }
  }

  @Command(
      name = "diagram",
      mixinStandardHelpOptions = true,
      description = "The definition's Mermaid flowchart with the instance's position overlaid.")
  static final class Diagram extends SkaldCli.ApiCommand {
    @Parameters(index = "0", paramLabel = "SAGA", description = "The saga definition's name.")
    String saga;

    @Parameters(index = "1", paramLabel = "ID", description = "The instance id.")
    String id;

    @Override
    int call(AdminApi api, Output output) {
      JsonNode body = api.get(path(saga, id) + "/diagram");
      if (!output.raw(body)) {
        output.line(body.path("mermaid").asText());
      }
      return SkaldCli.EXIT_OK;
    }
  }

  /** An operator action on one instance. */
  @Command(
      name = "signal",
      mixinStandardHelpOptions = true,
      description = {
        "Send a signal to an instance's wait step (taken now, or kept until the step is reached).",
        "Example: skald sagas signal place-order order-7 --type Approved --json '{\"manager\":\"maria\"}'"
      })
  static final class Signal extends SkaldCli.ApiCommand {
    @Parameters(index = "0", paramLabel = "SAGA", description = "A saga definition's name.")
    String saga;

    @Parameters(index = "1", paramLabel = "ID", description = "The instance id.")
    String id;

    @Option(
        names = "--type",
        required = true,
        description = "The signal's type: its class name or simple name.")
    String type;

    @Option(
        names = "--json",
        defaultValue = "{}",
        description = "The signal as a JSON object. Default: ${DEFAULT-VALUE}.")
    String json;

    @Override
    int call(AdminApi api, Output output) {
      JsonNode signal;
      try {
        signal = AdminApi.JSON.readTree(json);
      } catch (java.io.IOException e) {
        throw usage("--json is not JSON: " + e.getMessage());
      }
      if (signal == null || !signal.isObject()) {
        throw usage("--json must be a JSON object, was " + json);
      }
      com.fasterxml.jackson.databind.node.ObjectNode body = AdminApi.object().put("type", type);
      body.set("signal", signal);
      JsonNode result = api.post(path(saga, id) + "/signal", body);
      if (!output.raw(result)) {
        output.line(
            result.path("taken").asBoolean()
                ? "signal " + type + ": taken (or kept until its step is reached)"
                : "signal " + type + ": changed nothing (its wait is over, or the saga ended)");
      }
      return SkaldCli.EXIT_OK;
    }
  }

  @Command(
      name = "migrate",
      mixinStandardHelpOptions = true,
      description = {
        "Move a running or parked instance to another version of its saga, when its past fits.",
        "Example: skald sagas migrate place-order order-7 --to 2"
      })
  static final class Migrate extends SkaldCli.ApiCommand {
    @Parameters(index = "0", paramLabel = "SAGA", description = "A saga definition's name.")
    String saga;

    @Parameters(index = "1", paramLabel = "ID", description = "The instance id.")
    String id;

    @Option(names = "--to", required = true, description = "The version to run from now on.")
    int to;

    @Override
    int call(AdminApi api, Output output) {
      if (to < 1) {
        throw usage("--to must be a version, from 1, was " + to);
      }
      JsonNode view = api.post(path(saga, id) + "/migrate", AdminApi.object().put("toVersion", to));
      if (!output.raw(view)) {
        output.line("migrate: now version " + view.path("version").asInt());
        printView(output, view);
      }
      return SkaldCli.EXIT_OK;
    }
  }

  abstract static class Action extends SkaldCli.ApiCommand {
    @Parameters(index = "0", paramLabel = "SAGA", description = "The saga definition's name.")
    String saga;

    @Parameters(index = "1", paramLabel = "ID", description = "The instance id.")
    String id;

    abstract String action();

    @Override
    int call(AdminApi api, Output output) {
      JsonNode view = api.post(path(saga, id) + "/" + action(), null);
      if (!output.raw(view)) {
        output.line(action() + ": done");
        printView(output, view);
      }
      return SkaldCli.EXIT_OK;
    }
  }

  @Command(
      name = "retry",
      mixinStandardHelpOptions = true,
      description = "Run a parked instance's step (or compensation) again.")
  static final class Retry extends Action {
    @Override
    String action() {
      return "retry";
    }
  }

  @Command(
      name = "skip",
      mixinStandardHelpOptions = true,
      description = "Mark a parked instance's step done without running it, and go on.")
  static final class Skip extends Action {
    @Override
    String action() {
      return "skip";
    }
  }

  @Command(
      name = "compensate",
      mixinStandardHelpOptions = true,
      description = "Turn a running or parked instance back (not past its pivot).")
  static final class Compensate extends Action {
    @Override
    String action() {
      return "compensate";
    }
  }

  @Command(
      name = "abort",
      mixinStandardHelpOptions = true,
      description = "Stop an instance where it is, without compensating.")
  static final class Abort extends Action {
    @Override
    String action() {
      return "abort";
    }
  }
}

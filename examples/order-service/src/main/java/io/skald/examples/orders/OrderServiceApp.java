package io.skald.examples.orders;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skald.framework.Skald;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The sample's command line: {@code demo} and {@code serve}. */
@Command(
    name = "order-service",
    mixinStandardHelpOptions = true,
    subcommands = {OrderServiceApp.DemoCommand.class, HttpServer.ServeCommand.class},
    description = "Order, payment and inventory services on Skald.")
public final class OrderServiceApp implements Runnable {

  /** Options both commands share. */
  static class Common {
    @Option(
        names = "--flow",
        defaultValue = "orchestration",
        description = "orchestration or choreography (default: ${DEFAULT-VALUE})")
    String flow;

    @Option(
        names = "--data-dir",
        description = "where the journal lives (default: a fresh temporary directory)")
    Path dataDir;

    @Option(
        names = "--failure-rate",
        defaultValue = "0.02",
        description =
            "probability that a participant's handler attempt fails (default: ${DEFAULT-VALUE})")
    double failureRate;

    @Option(
        names = "--delay-ms",
        defaultValue = "0",
        description = "delay of every participant's handler attempt (default: ${DEFAULT-VALUE})")
    long delayMillis;

    @Option(
        names = "--slow-rate",
        defaultValue = "0",
        description =
            "probability that a participant that acted answers late, after the step's timeout"
                + " (default: ${DEFAULT-VALUE})")
    double slowRate;

    @Option(
        names = "--slow-ms",
        defaultValue = "11000",
        description =
            "how late a slow answer is (default: ${DEFAULT-VALUE}, the steps time out after 10 s)")
    long slowMillis;

    @Option(
        names = "--seed",
        defaultValue = "42",
        description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    Shop.Flow flow() {
      return switch (flow.toLowerCase(java.util.Locale.ROOT)) {
        case "orchestration" -> Shop.Flow.ORCHESTRATION;
        case "choreography" -> Shop.Flow.CHOREOGRAPHY;
        default ->
            throw new CommandLine.ParameterException(
                new CommandLine(new OrderServiceApp()),
                "--flow must be orchestration or choreography, was " + flow);
      };
    }

    Path dataDir() throws java.io.IOException {
      return dataDir != null ? dataDir : Files.createTempDirectory("skald-order-service");
    }

    Shop.Options options() {
      return new Shop.Options(flow(), failureRate, delayMillis, seed, slowRate, slowMillis);
    }
  }

  /**
   * The node's configuration on a data directory.
   *
   * @param dataDir the data directory
   * @return the configuration
   */
  static Config config(Path dataDir) {
    return ConfigFactory.parseString(
        "skald.framework.data-dir = \""
            + dataDir.toAbsolutePath().toString().replace("\\", "/")
            + "\"");
  }

  /** {@code demo}: place orders, wait for every saga, print a summary, check the invariants. */
  @Command(name = "demo", mixinStandardHelpOptions = true, description = "Run the demo.")
  static final class DemoCommand implements Callable<Integer> {
    /** Without {@code --slow-rate}: about one participant answer in 500 comes after the timeout. */
    static final double DEMO_SLOW_RATE = 0.002;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin Common common = new Common();

    @Option(
        names = "--orders",
        defaultValue = "1000",
        description = "orders to place (default: ${DEFAULT-VALUE})")
    int orders;

    @Option(
        names = "--concurrency",
        defaultValue = "32",
        description = "orders placed at once (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Override
    public Integer call() throws Exception {
      if (orders < 0 || concurrency < 1) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--orders must be >= 0 and --concurrency >= 1");
      }
      PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
      if (!spec.commandLine().getParseResult().hasMatchedOption("--slow-rate")) {
        // the demo shows late answers by default: a few participants answer after the timeout
        common.slowRate = DEMO_SLOW_RATE;
      }
      Path dataDir = common.dataDir();
      out.printf(
          "order-service demo: %s flow, data in %s, failure rate %.3f, delay %d ms, slow answers"
              + " %.3f (%d ms), seed %d%n",
          common.flow().name().toLowerCase(java.util.Locale.ROOT),
          dataDir,
          common.failureRate,
          common.delayMillis,
          common.slowRate,
          common.slowMillis,
          common.seed);
      try (Skald skald = Skald.start("order-service", config(dataDir))) {
        Shop shop = Shop.start(skald, common.options());
        Demo.Result result =
            Demo.run(
                shop,
                new Demo.Settings(orders, concurrency, common.seed, false),
                out,
                System.console() != null);
        return result.violations().isEmpty() ? 0 : 1;
      }
    }
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /**
   * Runs a command.
   *
   * @param args {@code demo [options]} or {@code serve [options]}
   */
  public static void main(String[] args) {
    System.exit(new CommandLine(new OrderServiceApp()).execute(args));
  }
}

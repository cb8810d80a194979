package io.skald.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A main class of the test class path run in its own JVM, to be killed with SIGKILL ({@code
 * destroyForcibly}). Its standard output is read line by line; its standard error goes to {@code
 * child-stderr.log} in the data directory.
 */
public final class ForkedJvm implements AutoCloseable {
  private final Process process;
  private final BufferedReader lines;

  private ForkedJvm(Process process) {
    this.process = process;
    this.lines =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
  }

  /**
   * Starts {@code mainClass} with the data directory as its only argument.
   *
   * @param mainClass the class to run
   * @param dataDir the data directory
   * @param maxHeap the {@code -Xmx} value, e.g. {@code 256m}
   * @return the running JVM
   * @throws IOException if it cannot be started
   */
  public static ForkedJvm start(Class<?> mainClass, Path dataDir, String maxHeap)
      throws IOException {
    return start(mainClass, dataDir, maxHeap, new String[0]);
  }

  /**
   * Starts {@code mainClass} with the data directory and further arguments.
   *
   * @param mainClass the class to run
   * @param dataDir the data directory (the first argument)
   * @param maxHeap the {@code -Xmx} value, e.g. {@code 256m}
   * @param args the further arguments
   * @return the running JVM
   * @throws IOException if it cannot be started
   */
  public static ForkedJvm start(Class<?> mainClass, Path dataDir, String maxHeap, String... args)
      throws IOException {
    java.util.List<String> command =
        new java.util.ArrayList<>(
            java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap,
                "-cp",
                System.getProperty("java.class.path"),
                mainClass.getName(),
                dataDir.toString()));
    command.addAll(java.util.List.of(args));
    return new ForkedJvm(
        new ProcessBuilder(command)
            .redirectError(dataDir.resolve("child-stderr.log").toFile())
            .start());
  }

  /**
   * Reads the output until a line matches, on another thread.
   *
   * @param lineMatches what to wait for; it sees every line, so it can collect them too
   * @param timeoutSeconds how long to wait
   * @return the matching line
   * @throws Exception on timeout, or if the JVM exits first
   */
  public String awaitLine(Predicate<String> lineMatches, long timeoutSeconds) throws Exception {
    return CompletableFuture.supplyAsync(
            () -> {
              try {
                String line;
                while ((line = lines.readLine()) != null) {
                  if (lineMatches.test(line)) {
                    return line;
                  }
                }
                throw new AssertionError("the forked JVM exited before the expected output");
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            })
        .get(timeoutSeconds, TimeUnit.SECONDS);
  }

  /**
   * Kills the JVM with SIGKILL and waits until it is gone.
   *
   * @throws InterruptedException if interrupted
   */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the forked JVM did not die");
    }
  }

  /**
   * Sends the JVM a signal with {@code kill}, e.g. {@code STOP} to pause it (its sockets stay open,
   * nothing answers) and {@code CONT} to resume it.
   *
   * @param signal the signal's name without {@code SIG}
   * @throws Exception if {@code kill} fails
   */
  public void signal(String signal) throws Exception {
    Process kill =
        new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
            .redirectErrorStream(true)
            .start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError(
          "kill -" + signal + " failed: " + new String(kill.getInputStream().readAllBytes()));
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}

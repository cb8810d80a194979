package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Stages#inline}: Pekko's stages turned into plain futures whose callbacks run where the JDK
 * says (never on a thread started for the callback, nor on the common pool).
 */
class StagesTest {
  private static ActorTestKit testKit;

  record Echo(String text, ActorRef<String> replyTo) {}

  private static final Behavior<Echo> ECHO =
      Behaviors.receiveMessage(
          echo -> {
            echo.replyTo().tell(echo.text());
            return Behaviors.same();
          });

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void callbacksOnAnAskRunOnTheCompletingOrTheCallingThread() {
    ActorRef<Echo> echo = testKit.spawn(ECHO);
    String caller = Thread.currentThread().getName();
    List<CompletableFuture<String>> threads = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String text = "hello-" + i;
      CompletionStage<String> ask =
          AskPattern.ask(
              echo,
              replyTo -> new Echo(text, replyTo),
              Duration.ofSeconds(5),
              testKit.system().scheduler());
      threads.add(
          Stages.inline(ask)
              .thenApply(
                  reply -> {
                    assertEquals(text, reply);
                    return Thread.currentThread().getName();
                  }));
    }
    for (CompletableFuture<String> thread : threads) {
      String name = thread.join();
      // the dispatcher thread that completed the ask, or this test's thread when already complete;
      // never a thread started for the callback ("Thread-N") nor the common pool
      assertTrue(name.contains("dispatcher") || name.equals(caller), name);
      assertFalse(name.startsWith("Thread-") || name.contains("commonPool"), name);
    }
  }

  @Test
  void failuresPassThroughAndPlainFuturesAreReturnedAsTheyAre() {
    ActorRef<Echo> nobody = testKit.spawn(Behaviors.ignore());
    CompletableFuture<String> timedOut =
        Stages.inline(
            AskPattern.ask(
                nobody,
                replyTo -> new Echo("lost", replyTo),
                Duration.ofMillis(50),
                testKit.system().scheduler()));
    CompletionException error = assertThrows(CompletionException.class, timedOut::join);
    assertTrue(error.getCause() instanceof TimeoutException, String.valueOf(error.getCause()));

    CompletableFuture<String> plain = new CompletableFuture<>();
    assertSame(plain, Stages.inline(plain));
  }
}

package io.skald.framework.testing;

import io.skald.framework.consumer.Subscription;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.PoisonPill;
import org.apache.pekko.actor.typed.ActorSystem;

/** Real faults for tests, from outside the production code. */
public final class Kill {
  private Kill() {}

  /**
   * Stops a group member's actor abruptly, as when it dies: it neither leaves the group nor commits
   * what it handled last; the group coordinator learns of it through its death watch alone. The
   * member's actor is found by its path ({@code /system/skald-consumer-<memberId>}), as an
   * operator's tooling would find it, and stopped with Pekko's {@link PoisonPill}.
   *
   * @param system the node the member runs on
   * @param member the member
   * @throws Exception if the actor is not found or does not stop within 10 s
   */
  public static void member(ActorSystem<?> system, Subscription member) throws Exception {
    ActorRef actor =
        system
            .classicSystem()
            .actorSelection("/system/skald-consumer-" + member.memberId())
            .resolveOne(Duration.ofSeconds(5))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    actor.tell(PoisonPill.getInstance(), ActorRef.noSender());
    member.whenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}

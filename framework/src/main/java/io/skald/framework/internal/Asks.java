package io.skald.framework.internal;

import io.skald.framework.Stages;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.japi.function.Function2;

/**
 * An actor's request-response to another actor, the reply (or failure) adapted into a message to
 * itself: what {@code ActorContext.ask} does, without its cost. Pekko's Java {@code
 * ActorContext.ask} pipes a Scala-converted stage to self through {@code handle}, which that stage
 * runs on the JDK's default executor: a new thread per reply on a machine with fewer than three
 * cores (see {@link Stages}).
 */
public final class Asks {
  private Asks() {}

  /**
   * Asks and pipes the outcome to self.
   *
   * @param responseClass the reply type (for inference, as in {@code ActorContext.ask})
   */
  public static <T, Req, Res> void ask(
      ActorContext<T> context,
      Class<Res> responseClass,
      RecipientRef<Req> target,
      Duration timeout,
      Function<ActorRef<Res>, Req> createRequest,
      Function2<Res, Throwable, T> applyToResponse) {
    context.pipeToSelf(
        Stages.inline(
            AskPattern.ask(target, createRequest, timeout, context.getSystem().scheduler())),
        applyToResponse);
  }
}

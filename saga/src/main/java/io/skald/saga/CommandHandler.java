package io.skald.saga;

import java.util.concurrent.CompletionStage;

/**
 * A participant's handler of one endpoint's commands.
 *
 * <p>It completes with the reply: an instance of one of the endpoint's declared reply or failure
 * types, or null for a plain acknowledgement. A business failure (a declared failure type) means
 * the participant did not act; it is not remembered, so a retry of the step runs the handler again.
 * A success is remembered under the command's idempotency key and a duplicate of the command is
 * answered with it without running the handler. A handler that throws (or completes exceptionally)
 * is retried by the participant's subscription and then dead-lettered; the saga sees a timeout.
 *
 * @param <C> the command type
 */
@FunctionalInterface
public interface CommandHandler<C> {
  /**
   * Handles a command.
   *
   * @param command the command
   * @param context the saga, step and idempotency key
   * @return the reply, or null for an acknowledgement
   * @throws Exception a technical failure: retried, then dead-lettered
   */
  CompletionStage<?> handle(C command, CommandContext context) throws Exception;
}

package io.skald.saga.internal.engine;

/**
 * INTERNAL API: the definition's own code (a condition, a reply or failure handler, a command
 * builder, the data's JSON codec) threw while the rules decided a step's events. The rules park the
 * instance on that step with the cause in its reason instead of letting the exception reach the
 * entity, which would drop the input or crash-loop on it.
 */
public final class UserCodeFailed extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The step whose code threw. */
  private final String step;

  /** Whether the code belongs to the step's compensation. */
  private final boolean compensation;

  /**
   * Creates the failure.
   *
   * @param step the step whose code threw
   * @param compensation whether the code belongs to the step's compensation
   * @param what which code, for the reason: "the condition", "the handler of reply Charged"...
   * @param cause what it threw
   */
  public UserCodeFailed(String step, boolean compensation, String what, Throwable cause) {
    super(
        "step '"
            + step
            + "'"
            + (compensation ? " (compensation)" : "")
            + ": "
            + what
            + " threw "
            + cause,
        cause);
    this.step = step;
    this.compensation = compensation;
  }

  /**
   * The step whose code threw.
   *
   * @return the step name
   */
  public String step() {
    return step;
  }

  /**
   * Whether the code belongs to the step's compensation.
   *
   * @return true for the compensation
   */
  public boolean compensation() {
    return compensation;
  }
}

package dev.nnet.analysis;

/**
 * A generated trainer is one Java class, and a class file holds at most 65,535 constants (names of its fields
 * and methods, literals). Each operation's generated code needs about as many as {@link #constantCost} says
 * (an upper bound measured per operation by ClassLimitsTest), so the checker refuses a network that would
 * overflow the class rather than let the Java compiler fail.
 */
public final class ClassLimits {
  private ClassLimits() {}

  /** What a trainer class needs whatever its layers: the runtime's types, the loss, the optimizer. */
  public static final int BASE_CONSTANTS = 1_000;
  /** The class file's limit of 65,535, less a margin for what the estimate misses. */
  public static final int MAX_CONSTANTS = 60_000;

  /** An upper bound of the class-file constants one operation's generated code adds (measured: ClassLimitsTest). */
  public static int constantCost(Op op) {
    if (op instanceof Op.Dense) return 80;
    if (op instanceof Op.BatchNorm) return 45;
    if (op instanceof Op.LayerNorm) return 35;
    if (op instanceof Op.PRelu || op instanceof Op.Maxout) return 25;
    if (op instanceof Op.Dropout) return 20;
    if (op instanceof Op.ResidualAdd r) return r.projection() ? 45 : 25;
    return 12; // activations, softmax, a residual block's start
  }
}

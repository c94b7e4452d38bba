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
    return op.classConstants();
  }
}

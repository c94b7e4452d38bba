package dev.nnet.runtime;

/**
 * What a generated trainer implements: one network, with every shape fixed at generation time.
 *
 * <p>The network owns its buffers. A step is: {@link #stage} a batch, then {@link #trainStep}. Nothing in
 * the step methods allocates. A network instance is not thread-safe; make one per thread.
 */
public interface Network {

  NetworkSpec spec();

  /** Fills the parameters from their initializers, drawing from a generator seeded with {@code seed}. */
  void initialize(long seed);

  /**
   * Copies rows {@code order[from] .. order[from + count - 1]} of {@code data} into the input (and label
   * or target) buffer, scaled by {@code scale}; rows from {@code count} to the batch size are zeroed. A float32
   * network scales in float32; a float64 network reads the set's float64 values when it has them
   * ({@link Dataset#wideFeatures}) and scales in float64.
   */
  void stage(Dataset data, int[] order, int from, int count, double scale);

  /** Forward in training mode, loss, backward and the optimizer update with learning rate {@code lr}. Returns the batch's mean loss. */
  double trainStep(double lr);

  /** Forward in training mode and backward, without updating: gradients are then in {@link #gradients()}. Returns the mean loss. */
  double computeGradients();

  /**
   * Forward in training mode and the loss, without backward or update: the batch's mean loss as
   * {@link #computeGradients} sees it, at a third of its cost (gradient checks evaluate it many times).
   */
  double trainingLoss();

  /** Forward in evaluation mode (dropout off); returns the summed loss of the first {@code count} rows. */
  double evaluate(int count);

  /** After a forward pass: how many of the first {@code count} rows were predicted right (classification). */
  int correct(int count);

  /** After a forward pass: the output of {@code row} (class probabilities, or values) into {@code dst}. */
  void output(int row, float[] dst);

  /** The global L2 norm of the gradients of the last backward pass. */
  double gradientNorm();

  /** The parameters, in the layout of {@link NetworkSpec#tensors()}. */
  Arena parameters();

  /** The gradients of the last backward pass, same layout as the parameters. */
  Arena gradients();

  /** The optimizer's state (e.g. Adam's m then v), for checkpoints; may be empty. */
  Arena optimizerState();

  /** How many updates the optimizer has made (Adam's bias correction depends on it). */
  int optimizerSteps();

  void setOptimizerSteps(int steps);

  /**
   * Mixed precision with fp16: the current loss scale (the loss's gradient is multiplied by it before backward,
   * and the parameters' gradients divided by it before the update); 0 when the trainer does not scale.
   */
  default double lossScale() {
    return 0;
  }

  /** Mixed precision with fp16: how many steps found a gradient that overflowed, halved the scale and skipped their update. */
  default long skippedSteps() {
    return 0;
  }

  /**
   * Gradual unfreezing ({@code unfreeze ... at epoch N}): whether the layers of unfreeze phase {@code phase}
   * (1-based, see {@link TrainingPlan#unfreezes}) learn, counting their optimizer steps from {@code fromStep}
   * (Adam's bias correction starts again for them, as for parameters new to a PyTorch optimizer). Until a
   * phase is switched on its layers compute no weight gradient and are not updated.
   */
  default void setLearning(int phase, boolean on, int fromStep) {
    throw new IllegalArgumentException(getClass().getSimpleName() + " has no unfreeze phase " + phase);
  }

  /** Must be called after parameters are changed from outside (loaded, perturbed): refreshes derived copies. */
  void parametersChanged();

  /** State of the generator that draws dropout masks. */
  long noiseState();

  void setNoiseState(long state);

  /** The output of layer {@code i} (in forward order) for the whole batch, [batch][size]; for diagnostics. */
  Arena layerOutput(int i);

  /** The gradient of the loss with respect to layer {@code i}'s output, or null when nothing needs it. */
  Arena layerGradient(int i);

  /**
   * Shares the large products of each step among {@code threads} threads (the caller and persistent
   * helpers, {@link Team#shared}); 1 runs everything on the caller. Results are bit-identical for any
   * count: the threads split outputs, never sums.
   */
  void setThreads(int threads);

  /** The threads a step uses (1 when the trainer has nothing worth sharing). */
  int threads();

  /**
   * Whether this network's products have scalar twins of their vector tiles (a Vector API trainer's do): the
   * same sums in the same order, one fused multiply-add at a time, so the same bits. See {@link TileWarmup}.
   */
  default boolean hasScalarTwins() {
    return false;
  }

  /** Runs the products on their vector tiles (true, the default) or on their scalar twins; the results are the same bits. */
  default void useVectorTiles(boolean on) {}

  /** After a non-finite loss: the name of the first layer, in forward then backward order, whose output or gradient holds NaN or infinity. */
  String firstNonFinite();
}

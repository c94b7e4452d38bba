package dev.nnet.runtime;

import java.util.List;

/**
 * Everything the runtime needs to know about a generated network: shapes, parameter layout, and the
 * training plan of its .nnet file.
 *
 * @param parameterCount the learnable parameters, as {@code nnet check} counts them (not batchnorm's running
 *                       statistics, not the arena's alignment padding)
 * @param signature a digest of the parameter layout and precision; a checkpoint loads only into a
 *                  network with the same signature
 */
public record NetworkSpec(String modelName, String sourceName, int[] inputShape, int inputSize, int outputSize,
                          int batchSize, Precision precision, Task task, List<ParamTensor> tensors,
                          int parameterCount, String kernels, String signature, TrainingPlan plan, List<Layer> layers) {

  /** The 16-bit format of a mixed-precision trainer's products ("bf16", "fp16"), from its kernels ("vector:16 bf16"); "" otherwise. */
  public String mixed() {
    int space = kernels.indexOf(' ');
    return space < 0 ? "" : kernels.substring(space + 1);
  }

  /**
   * One layer, in forward order.
   *
   * @param operation dense, relu, tanh, dropout, ... as the .nnet file names it
   * @param size      its output size per sample
   */
  public record Layer(String name, String operation, int size) {}

  /** The layers, for generated code. */
  public static List<Layer> layers(Layer... layers) {
    return List.of(layers);
  }

  /**
   * What the output and loss mean: one class per sample (softmax cross-entropy), values (MSE), or
   * independent yes/no outputs (sigmoid + binary cross-entropy: binary or multi-label).
   */
  public enum Task { CLASSIFICATION, REGRESSION, MULTILABEL }

  /** This spec with another training plan: a search's trainer class, shared by trials, is given each trial's plan. */
  public NetworkSpec withPlan(TrainingPlan p) {
    return new NetworkSpec(modelName, sourceName, inputShape, inputSize, outputSize, batchSize, precision, task, tensors, parameterCount,
        kernels, signature, p, layers);
  }

  public ParamTensor tensor(String name) {
    for (ParamTensor t : tensors) if (t.name().equals(name)) return t;
    return null;
  }
}

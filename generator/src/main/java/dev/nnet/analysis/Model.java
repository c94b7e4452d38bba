package dev.nnet.analysis;

import dev.nnet.runtime.Precision;
import dev.nnet.runtime.TrainingPlan;
import dev.nnet.syntax.Diagnostic;
import dev.nnet.syntax.SourceFile;
import java.util.List;

/**
 * A checked network: every name resolved, every default filled in, every shape known. The layout and
 * emission stages read only this, never the syntax tree.
 *
 * @param layers   in forward order; each layer's input is the previous one's output
 * @param warnings advice about the file that does not stop compilation
 * @param origins  where each layer was written, by name (a residual block's start and end: where the block is)
 */
public record Model(String name, SourceFile source, int[] inputShape, List<Op> layers, Loss loss, Optimizer optimizer,
                    int batchSize, Precision precision, TrainingPlan plan, Regularization regularization, List<Diagnostic> warnings,
                    java.util.Map<String, dev.nnet.syntax.Span> origins, Mixed mixed) {

  /**
   * {@code precision mixed(bf16)} or {@code mixed(fp16)}: float32 master weights, optimizer state and
   * arithmetic, with the products' operands (weight copies, layer inputs, output gradients) stored in 16 bits.
   * fp16 adds dynamic loss scaling. {@link #precision} is then float32: checkpoints are float32 checkpoints.
   */
  public enum Mixed {
    NONE(""), BF16("bf16"), FP16("fp16");

    public final String keyword;

    Mixed(String keyword) {
      this.keyword = keyword;
    }
  }

  /** What {@code precision} says: float32, float64, mixed(bf16) or mixed(fp16). */
  public String precisionText() {
    return mixed == Mixed.NONE ? precision.keyword() : "mixed(" + mixed.keyword + ")";
  }

  /** The same model with one more warning. */
  public Model withWarning(Diagnostic w) {
    List<Diagnostic> all = new java.util.ArrayList<>(warnings);
    all.add(w);
    return new Model(name, source, inputShape, layers, loss, optimizer, batchSize, precision, plan, regularization, List.copyOf(all), origins, mixed);
  }

  /** The same model with its products' operands in {@code m} (float32 master weights). */
  public Model withMixed(Mixed m) {
    return new Model(name, source, inputShape, layers, loss, optimizer, batchSize, m == Mixed.NONE ? precision : Precision.FLOAT32, plan, regularization,
        warnings, origins, m);
  }

  /** The same model without 16-bit products (the plain path, and float64 gradient checks). */
  public Model withoutMixed() {
    return new Model(name, source, inputShape, layers, loss, optimizer, batchSize, precision, plan, regularization, warnings, origins, Mixed.NONE);
  }

  /**
   * Regularization of the update, in PyTorch's order: the loss gradient g is clipped (each component to
   * ±clipValue, then all of it scaled so its global L2 norm is at most clipNorm), then the optimizer steps
   * on g + weightDecay·W + l1·sign(W) for weights (layer multipliers apply; biases only when asked).
   * 0 disables each.
   */
  public record Regularization(double weightDecay, double l1, double clipValue, double clipNorm) {
    public static final Regularization NONE = new Regularization(0, 0, 0, 0);

    public boolean decays() {
      return weightDecay != 0 || l1 != 0;
    }
  }

  /** The same model compiled for another batch size (the predictor's 1, the gradient check's few rows). */
  public Model withBatchSize(int batch) {
    return new Model(name, source, inputShape, layers, loss, optimizer, batch, precision, plan, regularization, warnings, origins, mixed);
  }

  /** The same model in another precision (gradient checks compile any model in float64). */
  public Model withPrecision(Precision p) {
    return new Model(name, source, inputShape, layers, loss, optimizer, batchSize, p, plan, regularization, warnings, origins,
        p == Precision.FLOAT64 ? Mixed.NONE : mixed);
  }

  /** Features per sample as read from the data: the input shape flattened. */
  public int rawInputSize() {
    int n = 1;
    for (int d : inputShape) n *= d;
    return n;
  }

  /** Features per sample as the network sees them: after preprocessing (pca(k) keeps k). */
  public int inputSize() {
    return plan.data().preprocess().outputSize(rawInputSize());
  }

  public int outputSize() {
    return layers.isEmpty() ? inputSize() : layers.get(layers.size() - 1).outputSize();
  }

  /**
   * Each layer's output shape, in order: an image [C, H, W] from a convolution or pooling until flatten (or
   * global_avgpool), and through the layers that keep their input's shape; [n] otherwise.
   */
  public List<Shape> shapes() {
    List<Shape> out = new java.util.ArrayList<>();
    int[] raw = inputShape;
    Shape current = raw.length >= 2 && inputSize() == rawInputSize() ? Shape.of(raw) : Shape.flat(inputSize());
    for (Op op : layers) {
      if (op instanceof Op.SameSize && !(op instanceof Op.Flatten)) current = current.size() == op.outputSize() ? current : op.outputShape();
      else current = op.outputShape();
      out.add(current);
    }
    return out;
  }

  /**
   * The unfreeze phase of a layer (1-based, {@code unfreeze ... at epoch}), whose switch turns its learning on;
   * 0 for a layer that learns (or is frozen) throughout.
   */
  public int phaseOf(Op op) {
    for (int k = 0; k < plan.unfreezes().size(); k++) if (plan.unfreezes().get(k).layers().contains(op.name())) return k + 1;
    return 0;
  }

  public long parameterCount() {
    long n = 0;
    for (Op op : layers) n += op.parameterCount();
    return n;
  }

  /**
   * The loss: softmax cross-entropy over class scores (with optional label smoothing ε), mean squared
   * error, or sigmoid + binary cross-entropy over independent outputs.
   */
  public record Loss(Kind kind, double smoothing, int line) {
    public enum Kind {
      SOFTMAX_CROSS_ENTROPY("softmax_cross_entropy"), MSE("mse"), SIGMOID_CROSS_ENTROPY("sigmoid_cross_entropy");

      public final String keyword;

      Kind(String keyword) {
        this.keyword = keyword;
      }
    }
  }

  /**
   * The optimizer with its hyperparameters resolved; conventions and defaults follow torch.optim.
   *
   * @param momentum    SGD's μ (0 for none)
   * @param nesterov    SGD's Nesterov look-ahead
   * @param beta1       Adam's first-moment decay
   * @param beta2       Adam's second-moment decay
   * @param alpha       RMSProp's decay ρ of the mean square
   * @param eps         the denominator guard of adaptive methods
   * @param weightDecay AdamW's decoupled decay λ (on weights only)
   */
  public record Optimizer(Kind kind, double lr, double momentum, boolean nesterov, double beta1, double beta2,
                          double alpha, double eps, double weightDecay, int line) {
    public enum Kind { SGD, ADAGRAD, RMSPROP, ADAM, ADAMW }

    public static Optimizer adam(double lr, double beta1, double beta2, double eps, int line) {
      return new Optimizer(Kind.ADAM, lr, 0, false, beta1, beta2, 0, eps, 0, line);
    }

    public String describe() {
      return switch (kind) {
        case SGD -> "sgd(lr: " + Num.fmt(lr) + (momentum != 0 ? ", momentum: " + Num.fmt(momentum) + ", nesterov: " + nesterov : "") + ")";
        case ADAGRAD -> "adagrad(lr: " + Num.fmt(lr) + ", eps: " + Num.fmt(eps) + ")";
        case RMSPROP -> "rmsprop(lr: " + Num.fmt(lr) + ", alpha: " + Num.fmt(alpha) + ", eps: " + Num.fmt(eps) + ")";
        case ADAM -> "adam(lr: " + Num.fmt(lr) + ", beta1: " + Num.fmt(beta1) + ", beta2: " + Num.fmt(beta2) + ", eps: " + Num.fmt(eps) + ")";
        case ADAMW -> "adamw(lr: " + Num.fmt(lr) + ", beta1: " + Num.fmt(beta1) + ", beta2: " + Num.fmt(beta2) + ", eps: " + Num.fmt(eps)
            + ", weight_decay: " + Num.fmt(weightDecay) + ")";
      };
    }
  }
}

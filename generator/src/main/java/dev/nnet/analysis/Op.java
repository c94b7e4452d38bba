package dev.nnet.analysis;

/**
 * One layer of a checked network, with its input and output sizes (per sample) and the .nnet line it came
 * from, and what the later stages need to know of it: its keyword, its parameter tensors (their
 * {@code state_dict} names and stored shapes, from which the layout places them), its multiply-adds and its
 * share of the generated class's constants. Adding an operation means adding a record here, its checks in
 * {@link NetworkChecks}, and its emitter in {@code dev.nnet.emit}.
 */
public sealed interface Op {

  /** What a parameter tensor is: a weight matrix (decayed by default), a bias or norm parameter (not), or state the optimizer never touches. */
  enum Role { WEIGHT, BIAS, NORM, STATE }

  /**
   * A parameter tensor of an operation: named {@code <layer><suffix>} in checkpoints and the {@code .npz}
   * state_dict, stored as a [rows][cols] matrix (a dense weight is [in][out]; the others [1][size]).
   *
   * @param dims       its stored shape as the checkpoint and state_dict describe it: a dense weight [in, out], a
   *                   vector [size]; a convolution's weight will be [out, in/groups, kh, kw]
   * @param transposed whether PyTorch's layout is the transpose of the stored one (a dense weight: [out, in])
   */
  record Param(String suffix, int rows, int cols, Role role, int[] dims, boolean transposed) {
    /** A matrix weight, stored [rows][cols], whose PyTorch layout is its transpose. */
    static Param weight(String suffix, int rows, int cols) {
      return new Param(suffix, rows, cols, Role.WEIGHT, new int[] {rows, cols}, true);
    }

    /** A vector of {@code size} values (a bias, a norm's γ or β, running statistics, PReLU's slopes). */
    static Param vector(String suffix, int size, Role role) {
      return new Param(suffix, 1, size, role, new int[] {size}, false);
    }

    @Override
    public int[] dims() {
      return dims.clone();
    }
  }

  /** The layer's name: its {@code as} alias, or the operation with a counter (dense1, relu2). */
  String name();

  /** The 1-based line of the .nnet file that declared it. */
  int line();

  int inputSize();

  int outputSize();

  /** Whether its weights stay where they are ({@code frozen: true}, {@code freeze}): dense layers, convolutions and batchnorm. */
  default boolean frozen() {
    return false;
  }

  /** Its learning-rate multiplier ({@code lr_scale}): its tensors update as if the rate were this times the schedule's. */
  default double lrScale() {
    return 1;
  }

  /** Whether training changes its parameters: it has some, and is not frozen. */
  default boolean learns() {
    return parameterCount() > 0 && !frozen();
  }

  /** Its learnable parameters: the elements of its tensors, running statistics excluded (as PyTorch's parameters()). */
  default long parameterCount() {
    long n = 0;
    for (Param p : params()) if (p.role() != Role.STATE) n += (long) p.rows() * p.cols();
    return n;
  }

  /** How {@code nnet check} shows the operation, with defaults filled in. */
  String describe();

  /** The operation's keyword, as in the .nnet file (an activation's own name; residual_input where a block starts). */
  String keyword();

  /** Its parameter tensors, in the order the arena holds them. */
  default java.util.List<Param> params() {
    return java.util.List.of();
  }

  /** Multiply-adds of one sample's forward pass through its products (for GFLOP/s). */
  default long multiplyAdds() {
    return 0;
  }

  /**
   * An upper bound of the class-file constants its generated code adds (names of fields and methods,
   * literals): measured per operation by ClassLimitsTest; see {@link ClassLimits}.
   */
  default int classConstants() {
    return 12; // an activation, softmax, a residual block's start
  }

  /** The shape of one sample's output: flat here; [C, H, W] for the spatial operations to come. */
  default Shape outputShape() {
    return Shape.flat(outputSize());
  }

  /** An operation whose output has as many values per sample as its input. */
  sealed interface SameSize extends Op permits Activation, Dropout, BatchNorm, LayerNorm, PRelu, Softmax, ResidualBegin, ResidualAdd, Flatten, ChannelDropout {
    @Override
    default int outputSize() {
      return inputSize();
    }
  }

  /**
   * {@code dense(units)}: y = x·W + b.
   *
   * @param decay     multiplies the training block's weight_decay and l1 for this layer (1 by default; 0 exempts it)
   * @param biasDecay whether the bias is decayed too (not by default, as the notes say)
   * @param frozen    its parameters are not updated (transfer learning)
   */
  record Dense(String name, int line, int inputSize, int outputSize, Init weightInit, Init biasInit, double decay, boolean biasDecay,
               boolean frozen, double lrScale) implements Op {

    Dense frozenCopy() {
      return withFrozen(true);
    }

    Dense withFrozen(boolean f) {
      return new Dense(name, line, inputSize, outputSize, weightInit, biasInit, decay, biasDecay, f, lrScale);
    }

    Dense withInit(Init w) {
      return new Dense(name, line, inputSize, outputSize, w, biasInit, decay, biasDecay, frozen, lrScale);
    }

    @Override
    public String keyword() {
      return "dense";
    }

    @Override
    public java.util.List<Param> params() {
      return java.util.List.of(Param.weight(".weight", inputSize, outputSize), Param.vector(".bias", outputSize, Role.BIAS));
    }

    @Override
    public long multiplyAdds() {
      return (long) inputSize * outputSize;
    }

    @Override
    public int classConstants() {
      return 80;
    }

    @Override
    public String describe() {
      return "dense(" + outputSize + ", init: " + weightInit.describe() + ", bias_init: " + biasInit.describe()
          + (decay != 1 ? ", decay: " + Num.fmt(decay) : "") + (biasDecay ? ", bias_decay: true" : "") + (frozen ? ", frozen: true" : "")
          + (lrScale != 1 ? ", lr_scale: " + Num.fmt(lrScale) : "") + ")";
    }
  }

  /**
   * An elementwise activation.
   *
   * @param alpha leaky_relu's negative slope, elu's saturation; unused by the others
   */
  record Activation(String name, int line, int inputSize, Kind kind, double alpha) implements SameSize {
    public enum Kind {
      RELU("relu", true), LEAKY_RELU("leaky_relu", true), ELU("elu", true), GELU("gelu", true), SILU("silu", true),
      SIGMOID("sigmoid", false), TANH("tanh", false);

      public final String keyword;
      /** Whether it belongs to the ReLU family, which He initialization suits (sigmoid and tanh suit Xavier). */
      public final boolean reluFamily;

      Kind(String keyword, boolean reluFamily) {
        this.keyword = keyword;
        this.reluFamily = reluFamily;
      }
    }

    @Override
    public String describe() {
      return kind == Kind.LEAKY_RELU || kind == Kind.ELU ? kind.keyword + "(alpha: " + Num.fmt(alpha) + ")" : kind.keyword;
    }

    @Override
    public String keyword() {
      return kind.keyword;
    }
  }

  /**
   * Batch normalization over the batch, per feature: x̂ = (x − μ_B)/√(σ²_B + ε), y = γx̂ + β; in evaluation
   * the running statistics replace μ_B and σ²_B. Running statistics follow PyTorch: r ← (1 − m)·r + m·stat,
   * the variance's unbiased.
   */
  record BatchNorm(String name, int line, int inputSize, double momentum, double eps, int positions, boolean frozen) implements SameSize {

    /** Batch normalization of features: one statistic per feature. */
    public BatchNorm(String name, int line, int inputSize, double momentum, double eps) {
      this(name, line, inputSize, momentum, eps, 1, false);
    }

    /**
     * The same layer frozen: γ and β keep their values, and it normalizes with its running statistics while
     * training too (evaluation mode, as fine-tuning does), which then stay as loaded.
     */
    BatchNorm frozenCopy() {
      return new BatchNorm(name, line, inputSize, momentum, eps, positions, true);
    }

    /** The features normalized apart: the channels of an image (over batch × positions values each), or every feature. */
    public int channels() {
      return inputSize / positions;
    }

    @Override
    public String describe() {
      return "batchnorm(momentum: " + Num.fmt(momentum) + ", eps: " + Num.fmt(eps) + (frozen ? ", frozen: true" : "") + ")" + (positions > 1 ? "   # per channel, over batch × " + positions + " positions" : "");
    }

    @Override
    public String keyword() {
      return "batchnorm";
    }

    @Override
    public java.util.List<Param> params() {
      int n = channels();
      return java.util.List.of(Param.vector(".weight", n, Role.NORM), Param.vector(".bias", n, Role.NORM),
          Param.vector(".running_mean", n, Role.STATE), Param.vector(".running_var", n, Role.STATE));
    }

    @Override
    public int classConstants() {
      return positions > 1 ? 75 : 45; // per channel: a method and a task per pass
    }
  }

  /**
   * Layer normalization (groups = 1) and group normalization: like batchnorm, but the statistics are each
   * sample's, over the features of each of {@code groups} equal groups; the same in training and evaluation.
   */
  record LayerNorm(String name, int line, int inputSize, double eps, int groups, Image image) implements SameSize {

    public LayerNorm(String name, int line, int inputSize, double eps, int groups) {
      this(name, line, inputSize, eps, groups, null);
    }

    /** The features γ and β scale: every feature, or on an image each channel (PyTorch's GroupNorm). */
    public int affine() {
      return image == null ? inputSize : image.channels();
    }

    @Override
    public String describe() {
      return (groups == 1 ? "layernorm(eps: " + Num.fmt(eps) + ")" : "groupnorm(groups: " + groups + ", eps: " + Num.fmt(eps) + ")")
          + (image != null ? "   # per sample over " + (groups == 1 ? "all channels" : "each group of " + image.channels() / groups + " channels") + " and pixels; γ, β per channel" : "");
    }

    @Override
    public String keyword() {
      return groups == 1 ? "layernorm" : "groupnorm";
    }

    @Override
    public java.util.List<Param> params() {
      return java.util.List.of(Param.vector(".weight", affine(), Role.NORM), Param.vector(".bias", affine(), Role.NORM));
    }

    @Override
    public int classConstants() {
      return 35;
    }

    @Override
    public Shape outputShape() {
      return image == null ? Shape.flat(inputSize) : image.shape();
    }
  }

  /** PReLU: x if x > 0, else a·x with the slope a learned, one for all units or one per unit (init 0.25, as PyTorch). */
  record PRelu(String name, int line, int inputSize, boolean perUnit) implements SameSize {

    @Override
    public String describe() {
      return "prelu(" + (perUnit ? "per_unit: true" : "shared") + ")";
    }

    @Override
    public String keyword() {
      return "prelu";
    }

    @Override
    public java.util.List<Param> params() {
      return java.util.List.of(Param.vector(".weight", perUnit ? inputSize : 1, Role.NORM));
    }

    @Override
    public int classConstants() {
      return 25;
    }
  }

  /** softmax as a layer: each sample's outputs become probabilities. (softmax_cross_entropy applies it itself.) */
  record Softmax(String name, int line, int inputSize) implements SameSize {
    @Override
    public String describe() {
      return "softmax";
    }

    @Override
    public String keyword() {
      return "softmax";
    }
  }

  /** maxout(k): each output is the largest of k consecutive inputs, so the layer narrows k times. */
  record Maxout(String name, int line, int inputSize, int k) implements Op {
    @Override
    public int outputSize() {
      return inputSize / k;
    }

    @Override
    public String describe() {
      return "maxout(k: " + k + ")";
    }

    @Override
    public String keyword() {
      return "maxout";
    }

    @Override
    public int classConstants() {
      return 25;
    }
  }

  /** Where a residual block starts: passes its input on, and in backward sums the body's and the shortcut's gradients. */
  record ResidualBegin(String name, int line, int inputSize, String block) implements SameSize {
    @Override
    public String describe() {
      return "residual " + block + " begins";
    }

    @Override
    public String keyword() {
      return "residual_input";
    }
  }

  /**
   * Where a residual block ends: H(x) = F(x) + shortcut(x), F the body's output, x the block's input.
   * The shortcut is the identity (sizes equal), x padded with zeros (the body widens), or a learned
   * projection x·W_s (any sizes; W_s starts Xavier-uniform, like a linear layer).
   *
   * @param inputSize    the body's output size
   * @param shortcutSize the block's input size
   * @param shortcut     identity, zeros or projection
   */
  record ResidualAdd(String name, int line, int inputSize, int shortcutSize, String shortcut, String begin, Image from, Image to, int stride)
      implements SameSize {

    public ResidualAdd(String name, int line, int inputSize, int shortcutSize, String shortcut, String begin) {
      this(name, line, inputSize, shortcutSize, shortcut, begin, null, null, 1);
    }

    /**
     * A block on images: the shortcut takes every stride-th pixel of the input (PyTorch's x[:, :, ::s, ::s]), then
     * pads its channels with zeros or projects them (a 1×1 convolution with that stride, weight [out, in, 1, 1]).
     */
    public boolean image() {
      return from != null;
    }

    public boolean zeroPad() {
      return shortcut.equals("zeros");
    }

    public boolean projection() {
      return shortcut.equals("projection");
    }


    @Override
    public String describe() {
      if (image()) {
        return "residual(shortcut: " + shortcut + ")   # output = body + "
            + (projection() ? "1×1 conv of the input" : shortcut.equals("zeros") ? "the input, channels padded with zeros" : "input") + (stride > 1 ? ", stride " + stride : "");
      }
      return "residual(shortcut: " + shortcut + ")   # output = body + " + (projection() ? "input·W_s" : "input");
    }

    @Override
    public String keyword() {
      return "residual";
    }

    @Override
    public java.util.List<Param> params() {
      if (!projection()) return java.util.List.of();
      if (image()) {
        return java.util.List.of(new Param(".shortcut.weight", to.channels(), from.channels(), Role.WEIGHT,
            new int[] {to.channels(), from.channels(), 1, 1}, false));
      }
      return java.util.List.of(Param.weight(".shortcut.weight", shortcutSize, inputSize));
    }

    @Override
    public long multiplyAdds() {
      if (!projection()) return 0;
      return image() ? (long) to.positions() * from.channels() * to.channels() : (long) shortcutSize * inputSize;
    }

    @Override
    public int classConstants() {
      return projection() ? 45 : 25;
    }
  }

  /** Inverted dropout: in training, zero each unit with probability {@code p} and scale survivors by 1/(1−p). */
  record Dropout(String name, int line, int inputSize, double p) implements SameSize {
    @Override
    public String describe() {
      return "dropout(p: " + Num.fmt(p) + ")   # drops " + Num.fmt(p * 100) + "% of units in training";
    }

    @Override
    public String keyword() {
      return "dropout";
    }

    @Override
    public int classConstants() {
      return 20;
    }
  }

  /**
   * {@code flatten}: an image [C, H, W] (or [H, W]) becomes its C·H·W features in that order, PyTorch's
   * {@code nn.Flatten()}. Inside the network images are stored channels-last (H, W, C: see {@link Conv}),
   * so flatten reorders them; the network's own input is stored as the data gives it (C, H, W) and is copied.
   *
   * @param channelsLast whether its input is stored H, W, C
   */
  record Flatten(String name, int line, Shape inputShape, boolean channelsLast) implements SameSize {
    @Override
    public int inputSize() {
      return inputShape.size();
    }

    /** Whether the values move: channels-last storage of more than one channel at more than one position. */
    public boolean reorders() {
      return channelsLast && inputShape.rank() == 3 && inputShape.dims()[0] > 1 && inputShape.dims()[1] * inputShape.dims()[2] > 1;
    }

    @Override
    public String describe() {
      return "flatten   # " + inputShape + " -> [" + inputShape.size() + "]";
    }

    @Override
    public String keyword() {
      return "flatten";
    }
  }

  /**
   * How an image is stored: channels [C, H, W] of which element (c, y, x) of a sample lies at
   * {@code c·cStride + y·yStride + x·xStride}. Convolutions and pooling write channels-last (H, W, C), so that a
   * pixel's channels are contiguous: a convolution is then a product of the image's patches with the kernels,
   * and per-channel statistics are per-column ones. The network's input stays as the data gives it (C, H, W).
   */
  record Image(int channels, int height, int width, boolean channelsLast) {
    public static Image of(Shape s, boolean channelsLast) {
      int[] d = s.dims();
      return d.length == 2 ? new Image(1, d[0], d[1], true) : new Image(d[0], d[1], d[2], channelsLast || d[0] == 1);
    }

    public int size() {
      return channels * height * width;
    }

    public int positions() {
      return height * width;
    }

    public int cStride() {
      return channelsLast ? 1 : height * width;
    }

    public int yStride() {
      return channelsLast ? width * channels : width;
    }

    public int xStride() {
      return channelsLast ? channels : 1;
    }

    public Shape shape() {
      return Shape.of(channels, height, width);
    }
  }

  /**
   * {@code conv(filters, kernel, stride, pad, dilation, groups)}: each output channel o at (y, x) is
   * b[o] + Σ over its group's input channels c and taps (i, j) of W[o][c][i][j] · x[c][y·s − p + i·d][x·s − p + j·d],
   * taps outside the image reading zero; PyTorch's Conv2d. The weight is stored as PyTorch keeps it,
   * [filters][C/groups][kh][kw]; the output is [filters, oh, ow] with oh = (H + 2p − d(kh − 1) − 1)/s + 1.
   */
  record Conv(String name, int line, Image input, int filters, int kh, int kw, int stride, int padH, int padW, int dilation, int groups,
              boolean bias, Init weightInit, Init biasInit, double decay, boolean frozen, boolean depthwise, double lrScale) implements Op {

    Conv frozenCopy() {
      return withFrozen(true);
    }

    Conv withFrozen(boolean f) {
      return new Conv(name, line, input, filters, kh, kw, stride, padH, padW, dilation, groups, bias, weightInit, biasInit, decay, f, depthwise, lrScale);
    }

    Conv withInit(Init w) {
      return new Conv(name, line, input, filters, kh, kw, stride, padH, padW, dilation, groups, bias, w, biasInit, decay, frozen, depthwise, lrScale);
    }

    public int outHeight() {
      return (input.height() + 2 * padH - dilation * (kh - 1) - 1) / stride + 1;
    }

    public int outWidth() {
      return (input.width() + 2 * padW - dilation * (kw - 1) - 1) / stride + 1;
    }

    /** Input channels per group. */
    public int groupChannels() {
      return input.channels() / groups;
    }

    /** Taps of one output value: the depth of the product, (C/groups)·kh·kw. */
    public int patch() {
      return groupChannels() * kh * kw;
    }

    public int fanIn() {
      return patch();
    }

    public int fanOut() {
      return filters / groups * kh * kw;
    }

    @Override
    public int inputSize() {
      return input.size();
    }

    @Override
    public int outputSize() {
      return filters * outHeight() * outWidth();
    }

    @Override
    public Shape outputShape() {
      return Shape.of(filters, outHeight(), outWidth());
    }

    @Override
    public String keyword() {
      return depthwise ? "depthwise_conv" : "conv";
    }

    @Override
    public java.util.List<Param> params() {
      Param w = new Param(".weight", filters, patch(), Role.WEIGHT, new int[] {filters, groupChannels(), kh, kw}, false);
      return bias ? java.util.List.of(w, Param.vector(".bias", filters, Role.BIAS)) : java.util.List.of(w);
    }

    @Override
    public long multiplyAdds() {
      return (long) outHeight() * outWidth() * filters * patch();
    }

    @Override
    public int classConstants() {
      return 160;
    }

    @Override
    public String describe() {
      return keyword() + "(" + (depthwise ? "" : filters + ", ") + "kernel: " + (kh == kw ? "" + kh : "[" + kh + ", " + kw + "]")
          + (stride != 1 ? ", stride: " + stride : "") + (padH != 0 || padW != 0 ? ", pad: " + (padH == padW ? "" + padH : "[" + padH + ", " + padW + "]") : "")
          + (dilation != 1 ? ", dilation: " + dilation : "") + (groups != 1 && !depthwise ? ", groups: " + groups : "")
          + (bias ? "" : ", bias: false") + ", init: " + weightInit.describe() + (decay != 1 ? ", decay: " + Num.fmt(decay) : "")
          + (frozen ? ", frozen: true" : "") + (lrScale != 1 ? ", lr_scale: " + Num.fmt(lrScale) : "") + ")";
    }
  }

  /**
   * {@code maxpool(k, stride, pad)}, {@code avgpool(k, stride, pad)}, {@code global_avgpool}: each channel's
   * windows reduced to their largest value or their mean. Padding is never chosen by max and is left out of
   * an average (PyTorch's count_include_pad=False); global_avgpool averages the whole image to [C].
   */
  record Pool(String name, int line, Image input, Kind kind, int kh, int kw, int stride, int padH, int padW) implements Op {
    public enum Kind { MAX, AVG, GLOBAL_AVG }

    public int outHeight() {
      return kind == Kind.GLOBAL_AVG ? 1 : (input.height() + 2 * padH - kh) / stride + 1;
    }

    public int outWidth() {
      return kind == Kind.GLOBAL_AVG ? 1 : (input.width() + 2 * padW - kw) / stride + 1;
    }

    @Override
    public int inputSize() {
      return input.size();
    }

    @Override
    public int outputSize() {
      return input.channels() * outHeight() * outWidth();
    }

    @Override
    public Shape outputShape() {
      return kind == Kind.GLOBAL_AVG ? Shape.flat(input.channels()) : Shape.of(input.channels(), outHeight(), outWidth());
    }

    @Override
    public String keyword() {
      return switch (kind) {
        case MAX -> "maxpool";
        case AVG -> "avgpool";
        case GLOBAL_AVG -> "global_avgpool";
      };
    }

    @Override
    public int classConstants() {
      return 40;
    }

    @Override
    public String describe() {
      if (kind == Kind.GLOBAL_AVG) return "global_avgpool   # the mean of each channel";
      return keyword() + "(" + (kh == kw ? "" + kh : "[" + kh + ", " + kw + "]") + (stride != kh || kh != kw ? ", stride: " + stride : "")
          + (padH != 0 || padW != 0 ? ", pad: " + (padH == padW ? "" + padH : "[" + padH + ", " + padW + "]") : "") + ")";
    }
  }

  /** {@code channel_dropout(p)}: in training, each sample's whole channels are zeroed with probability p, survivors scaled by 1/(1−p) (PyTorch's Dropout2d). */
  record ChannelDropout(String name, int line, Image input, double p) implements SameSize {
    @Override
    public int inputSize() {
      return input.size();
    }

    @Override
    public Shape outputShape() {
      return input.shape();
    }

    @Override
    public String describe() {
      return "channel_dropout(p: " + Num.fmt(p) + ")   # drops " + Num.fmt(p * 100) + "% of each sample's channels in training";
    }

    @Override
    public String keyword() {
      return "channel_dropout";
    }

    @Override
    public int classConstants() {
      return 25;
    }
  }
}

package dev.nnet.analysis;

import dev.nnet.runtime.Precision;
import dev.nnet.runtime.Preprocessor;
import dev.nnet.runtime.TrainingPlan;
import dev.nnet.syntax.Ast;
import dev.nnet.syntax.CompileException;
import dev.nnet.syntax.Diagnostic;
import dev.nnet.syntax.SourceFile;
import dev.nnet.syntax.Span;
import java.util.*;

/**
 * The network block and the loss: layer by layer, names (explicit and automatic), shapes, options and
 * initializers; then what the whole network needs (memory against the heap, constants against the class
 * file) and what the loss requires of its end.
 */
final class NetworkChecks extends Values {
  static final List<String> LAYERS = List.of("conv", "depthwise_conv", "maxpool", "avgpool", "global_avgpool", "channel_dropout", "flatten", "dense", "batchnorm", "layernorm", "groupnorm", "residual", "prelu", "maxout", "softmax", "relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "dropout");
  /** Operations of the language whose compilation comes in a later version: named, so they are never silently ignored. */
  static final Map<String, String> LAYERS_LATER = Map.of();
  /** The layers that work on an image as they do on features: each value (or each channel) on its own. */
  static final List<String> IMAGE_AGNOSTIC = List.of("relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "dropout", "batchnorm", "layernorm", "groupnorm",
      "prelu", "residual", "flatten");
  static final List<String> IMAGE_ONLY = List.of("conv", "depthwise_conv", "maxpool", "avgpool", "global_avgpool", "channel_dropout");
  static final List<String> INITS = List.of("zeros", "constant", "identity", "normal", "uniform", "xavier_normal", "xavier_uniform",
      "glorot", "lecun_normal", "he_normal", "kaiming", "he_uniform", "orthogonal");
  static final List<String> INITS_LATER = List.of();

  NetworkChecks(State state) {
    super(state);
  }

  // the network being built: its ops so far, the size flowing out of the last one, names used
  private List<Op> ops;
  private int size;
  private Map<String, Integer> counters;
  private Set<String> names;
  // the shape of an image not yet flattened; null once the flow is flat
  private Shape spatial;
  // whether that image is stored channels-last (after a convolution or pooling; see Op.Image)
  private boolean channelsLast;
  private int[] inputShape;

  List<Op> layers(Ast.Network network, int[] input, Preprocessor.Spec preprocess) {
    ops = new ArrayList<>();
    if (network.layers().isEmpty()) {
      error(network.span(), "the network has no layers", "e.g.  network { dense(128) -> relu -> dense(10) }");
      return ops;
    }
    int raw = 1;
    for (int d : input) raw *= d;
    size = preprocess.outputSize(raw); // a sample as the network sees it: flattened, then preprocessed
    // an image keeps its shape until flatten (or a preprocessing that mixes its pixels: pca, whiten)
    spatial = input.length >= 2 && (preprocess.kind().equals("none") || preprocess.kind().equals("center")
        || preprocess.kind().equals("standardize")) ? Shape.of(input) : null;
    channelsLast = false;
    counters = new HashMap<>();
    names = new HashSet<>();
    explicitNames = new java.util.LinkedHashMap<>();
    collectAliases(network.layers());
    inputShape = input;
    for (Ast.Layer l : network.layers()) layer(l);
    checkNameClashes();
    for (Op op : ops) {
      if (op instanceof Op.Dense) continue;
      checkBuffer(Span.NONE, (long) op.outputSize(), "activations");
    }
    return resolveInits(ops);
  }

  // the names the file gives with 'as', and where: automatic names avoid them, wherever in the file they stand
  private Map<String, Span> explicitNames;

  void collectAliases(List<Ast.Layer> layers) {
    for (Ast.Layer l : layers) {
      l.alias().ifPresent(a -> explicitNames.putIfAbsent(a.name(), a.span()));
      l.body().ifPresent(this::collectAliases);
    }
  }

  /** The next automatic name for {@code op}: relu1, relu2, ..., skipping names the file gives explicitly. */
  String automaticName(String op) {
    String name;
    do {
      name = op + counters.merge(op, 1, Integer::sum);
    } while (explicitNames.containsKey(name) || names.contains(name));
    return name;
  }

  /**
   * Generated code names a layer's buffers and methods by appending a capitalized word to its name (reluOut,
   * reluGrad, residual1Input): a name that is another layer's name followed by a capital letter could
   * collide with them, so it is refused.
   */
  void checkNameClashes() {
    Set<String> all = new HashSet<>();
    for (Op op : ops) all.add(op.name());
    for (Map.Entry<String, Span> e : explicitNames.entrySet()) {
      String name = e.getKey();
      for (String other : all) {
        if (name.length() > other.length() && name.startsWith(other) && Character.isUpperCase(name.charAt(other.length()))) {
          error(e.getValue(), "the name '" + name + "' may collide with the names generated for layer '" + other + "' ("
              + other + "Out, " + other + "Grad, ...)", "choose a name that is not another layer's name followed by a capital letter");
          break;
        }
      }
    }
  }

  /** Checks one layer and appends its ops; a residual block appends its body between a begin and an add. */
  /** Where each layer was written, by name: generated methods cite it. */
  final Map<String, Span> origins = new HashMap<>();

  void layer(Ast.Layer l) {
    int first = ops.size();
    layerOps(l);
    for (int i = first; i < ops.size(); i++) origins.putIfAbsent(ops.get(i).name(), l.opSpan()); // a block's body has recorded its own
  }

  private void layerOps(Ast.Layer l) {
    String op = l.op();
    if (l.body().isPresent() && !op.equals("residual")) {
      error(l.opSpan(), "'" + op + "' does not take a { } block", "only residual(...) { ... } has a body");
      return;
    }
    if (!LAYERS.contains(op)) {
      if (LAYERS_LATER.containsKey(op)) later(l.opSpan(), "'" + op + "'", LAYERS_LATER.get(op));
      else error(l.opSpan(), "unknown layer '" + op + "'", suggest(op, LAYERS, "the layers are: " + String.join(", ", LAYERS)));
      return;
    }
    String name = l.alias().map(Ast.Name::name).orElseGet(() -> automaticName(op));
    if (l.alias().isPresent() && !names.add(name)) {
      error(l.alias().get().span(), "a second layer named '" + name + "'", "layer names must be unique");
    }
    names.add(name);
    int line = l.span().line();
    if (spatial != null && (spatial.rank() > 3 ? !op.equals("flatten") : !IMAGE_AGNOSTIC.contains(op) && !IMAGE_ONLY.contains(op))) {
      error(l.opSpan(), "'" + op + "' on an image of shape " + spatial + ": flatten it first",
          "add  flatten  before it (" + spatial + " -> [" + spatial.size() + "])" + (spatial.rank() > 3 ? "" : "; or keep the image with conv and pooling layers"));
      spatial = null; // one error, not one per layer
    }
    if (spatial == null && IMAGE_ONLY.contains(op)) {
      error(l.opSpan(), "'" + op + "' needs an image, and its input is [" + size + "] features",
          inputShape != null && inputShape.length == 1 ? "declare the input's shape as an image, e.g.  input [1, 28, 28]  (channels, height, width)"
              : "put it before flatten");
      return;
    }
    if (IMAGE_ONLY.contains(op)) {
      image(l, op, name, line);
      return;
    }
    switch (op) {
      case "residual" -> {
        if (l.body().isEmpty() || l.body().get().isEmpty()) {
          error(l.span(), "residual needs a body of layers", "e.g.  residual { dense(64) -> relu -> dense(64) } -> relu");
          return;
        }
        Args a = args(l.arguments(), l.opSpan(), op, "shortcut");
        String shortcut = "identity";
        if (a.has("shortcut")) {
          if (a.get("shortcut") instanceof Ast.Name n && List.of("identity", "zeros", "projection").contains(n.name())) shortcut = n.name();
          else error(a.get("shortcut").span(), "the shortcut is identity, zeros or projection", null);
        }
        int in = size;
        Shape inImage = spatial;
        boolean inLast = channelsLast;
        String begin = name + "Input";
        ops.add(new Op.ResidualBegin(begin, line, in, name));
        for (Ast.Layer inner : l.body().get()) layer(inner);
        int out = size;
        if (inImage != null) {
          if (spatial == null) {
            error(l.opSpan(), "the body of a residual block on an image must keep it an image (no flatten or global_avgpool inside)", null);
            return;
          }
          if (inLast != channelsLast || !inLast && inImage.dims()[0] > 1) {
            error(l.opSpan(), "a residual block on the network's input image needs a convolution before it", "start the network with a conv layer");
            return;
          }
          Op.Image from = Op.Image.of(inImage, true), to = Op.Image.of(spatial, true);
          if (shortcut.equals("identity") && !spatial.equals(inImage)) {
            error(l.opSpan(), "an identity shortcut needs the body to keep the image's shape: " + inImage + " in, " + spatial + " out",
                "keep the channels and the size (stride 1, pad: same), or use shortcut: projection (or zeros, when only the channels grow or the size halves)");
            return;
          }
          // the shortcut takes every stride-th pixel: the stride that turns the input's size into the body's
          int stride = Math.max(1, (from.height() + to.height() - 1) / Math.max(1, to.height()));
          if ((from.height() + stride - 1) / stride != to.height() || (from.width() + stride - 1) / stride != to.width()) {
            error(l.opSpan(), "the shortcut cannot match the body's size: " + from.height() + "×" + from.width() + " in, " + to.height() + "×" + to.width()
                + " out, which no stride gives", "make the body's strides divide the image (e.g. a stride-2 conv with pad 1 on an even size)");
            return;
          }
          if (shortcut.equals("zeros") && to.channels() < from.channels()) {
            error(l.opSpan(), "a zero-padding shortcut needs the body to keep or widen the channels: " + from.channels() + " in, " + to.channels() + " out",
                "use shortcut: projection");
            return;
          }
          ops.add(new Op.ResidualAdd(name, line, out, in, shortcut, begin, from, to, stride));
          return;
        }
        if (shortcut.equals("identity") && out != in) {
          error(l.opSpan(), "an identity shortcut needs the body to keep the size: " + in + " in, " + out + " out",
              "make the body end in " + in + " units, or use residual(shortcut: zeros) when it widens");
          return;
        }
        if (shortcut.equals("zeros") && out < in) {
          error(l.opSpan(), "a zero-padding shortcut needs the body to widen or keep the size: " + in + " in, " + out + " out", null);
          return;
        }
        ops.add(new Op.ResidualAdd(name, line, out, in, shortcut, begin));
      }
      case "flatten" -> {
        args(l.arguments(), l.opSpan(), op);
        if (spatial == null) {
          error(l.opSpan(), "flatten has nothing to flatten: its input is already [" + size + "]", "remove it");
          return;
        }
        ops.add(new Op.Flatten(name, line, spatial, channelsLast));
        spatial = null;
      }
      case "dense" -> {
        Args a = args(l.arguments(), l.opSpan(), "dense", "units", "init", "bias_init", "decay", "bias_decay", "frozen", "lr_scale");
        int units = a.has("units") ? integer(a.get("units"), 1, MAX_UNITS, "the number of units") : 0;
        if (!a.has("units")) error(l.span(), "dense needs its number of units", "e.g.  dense(128)");
        checkBuffer(l.span(), (long) size * units, "weights");
        if (a.has("init")) explicitInits.add(name);
        double decay = a.number("decay", 1);
        if (decay < 0) error(a.get("decay").span(), "decay multiplies the weight decay: it must not be negative", "decay: 0 exempts the layer");
        ops.add(new Dense(name, line, size, units, a.get("init"), a.get("bias_init"), decay,
            a.has("bias_decay") && bool(a.get("bias_decay")), a.has("frozen") && bool(a.get("frozen")), lrScale(a)).op);
        size = Math.max(units, 1);
      }
      case "relu", "gelu", "silu", "sigmoid", "tanh" -> {
        args(l.arguments(), l.opSpan(), op);
        ops.add(new Op.Activation(name, line, size, Op.Activation.Kind.valueOf(op.toUpperCase(Locale.ROOT)), 0));
      }
      case "leaky_relu", "elu" -> {
        Args a = args(l.arguments(), l.opSpan(), op, "alpha");
        double alpha = a.number("alpha", op.equals("elu") ? 1.0 : 0.01);
        if (alpha <= 0 || (op.equals("leaky_relu") && alpha >= 1)) {
          error(a.span("alpha", null).known() && a.has("alpha") ? a.get("alpha").span() : l.span(),
              op + "'s alpha must be " + (op.equals("elu") ? "positive" : "in (0, 1)") + ", got " + Num.fmt(alpha),
              op.equals("elu") ? "the usual value is 1.0" : "the usual value is 0.01");
        }
        ops.add(new Op.Activation(name, line, size, Op.Activation.Kind.valueOf(op.toUpperCase(Locale.ROOT)), alpha));
      }
      case "layernorm", "groupnorm" -> {
        Args a = op.equals("layernorm") ? args(l.arguments(), l.opSpan(), op, "eps") : args(l.arguments(), l.opSpan(), op, "groups", "eps");
        double eps = a.number("eps", 1e-5);
        if (eps <= 0) error(a.has("eps") ? a.get("eps").span() : l.span(), "eps must be positive", "the usual value is 1e-5");
        int groups = 1;
        if (op.equals("groupnorm")) {
          if (!a.has("groups")) error(l.span(), "groupnorm needs its number of groups", "e.g.  groupnorm(groups: 8)");
          else groups = integer(a.get("groups"), 1, MAX_UNITS, "the number of groups");
          int split = spatial != null && spatial.rank() == 3 ? spatial.dims()[0] : size;
          if (split % groups != 0) {
            error(a.get("groups").span(), "the " + split + (spatial != null ? " channels" : " features") + " do not split into " + groups + " equal groups",
                "choose a divisor of " + split);
          }
        }
        if (spatial != null) {
          if (spatial.rank() == 3 && spatial.dims()[0] > 1 && !channelsLast) {
            error(l.opSpan(), op + " directly on the network's " + spatial + " input image is not supported", "put a conv layer first");
            return;
          }
          ops.add(new Op.LayerNorm(name, line, size, eps, groups, Op.Image.of(spatial, true)));
          return;
        }
        ops.add(new Op.LayerNorm(name, line, size, eps, groups));
      }
      case "softmax" -> {
        args(l.arguments(), l.opSpan(), op);
        ops.add(new Op.Softmax(name, line, size));
      }
      case "maxout" -> {
        Args a = args(l.arguments(), l.opSpan(), op, "k");
        int k = a.has("k") ? integer(a.get("k"), 2, MAX_UNITS, "k, the inputs per output") : 2;
        if (size % k != 0) error(a.has("k") ? a.get("k").span() : l.span(), "maxout(" + k + ") needs a multiple of " + k + " inputs, not " + size,
            "make the layer before it " + (size / k + 1) * k + " wide");
        ops.add(new Op.Maxout(name, line, size, k));
        size = size / k;
      }
      case "prelu" -> {
        Args a = args(l.arguments(), l.opSpan(), op, "per_unit");
        if (spatial != null && a.has("per_unit") && bool(a.get("per_unit"))) {
          error(a.get("per_unit").span(), "prelu(per_unit: true) on an image is not supported", "use the shared slope: prelu");
          return;
        }
        ops.add(new Op.PRelu(name, line, size, a.has("per_unit") && bool(a.get("per_unit"))));
      }
      case "batchnorm" -> {
        Args a = args(l.arguments(), l.opSpan(), op, "momentum", "eps", "frozen");
        double momentum = a.number("momentum", 0.1), eps = a.number("eps", 1e-5);
        if (momentum <= 0 || momentum > 1) error(a.has("momentum") ? a.get("momentum").span() : l.span(), "momentum must be in (0, 1], got " + Num.fmt(momentum), "PyTorch's default is 0.1");
        if (eps <= 0) error(a.has("eps") ? a.get("eps").span() : l.span(), "eps must be positive", "the usual value is 1e-5");
        if (spatial != null && spatial.dims()[0] > 1 && !channelsLast && spatial.rank() == 3) {
          error(l.opSpan(), "batchnorm directly on the network's " + spatial + " input image is not supported",
              "standardize the input in the data block (preprocess standardize), or put a conv layer first");
          return;
        }
        int positions = spatial == null ? 1 : spatial.rank() == 2 ? spatial.size() : spatial.dims()[1] * spatial.dims()[2];
        ops.add(new Op.BatchNorm(name, line, size, momentum, eps, positions, a.has("frozen") && bool(a.get("frozen"))));
      }
      case "dropout" -> {
        Args a = args(l.arguments(), l.opSpan(), "dropout", "p");
        if (!a.has("p")) {
          error(l.span(), "dropout needs its drop probability", "e.g.  dropout(0.2)  drops 20% of the units in training");
          return;
        }
        Double p = number(a.get("p"));
        if (p != null && (p < 0 || p >= 1)) {
          error(a.get("p").span(), "dropout probability must be in [0, 1), got " + Num.fmt(p),
              "dropout(p) takes the probability of DROPPING a unit; dropout(0.2) keeps 80%.");
        } else if (p != null) {
          ops.add(new Op.Dropout(name, line, size, p));
        }
      }
      default -> throw new IllegalStateException(op);
    }
  }

  /** conv, depthwise_conv, the poolings and channel_dropout: an image in, its shape inferred, an image (or, global_avgpool, features) out. */
  private void image(Ast.Layer l, String op, String name, int line) {
    Op.Image in = Op.Image.of(spatial, channelsLast);
    switch (op) {
      case "conv", "depthwise_conv" -> {
        boolean depthwise = op.equals("depthwise_conv");
        Args a = depthwise ? args(l.arguments(), l.opSpan(), op, "kernel", "stride", "pad", "dilation", "bias", "init", "bias_init", "decay", "frozen", "lr_scale")
            : args(l.arguments(), l.opSpan(), op, "filters", "kernel", "stride", "pad", "dilation", "groups", "bias", "init", "bias_init", "decay", "frozen", "lr_scale");
        int filters = depthwise ? in.channels() : a.has("filters") ? integer(a.get("filters"), 1, MAX_UNITS, "the number of filters") : 0;
        if (!depthwise && !a.has("filters")) error(l.span(), "conv needs its number of filters", "e.g.  conv(32, kernel: 3, pad: same)");
        if (!a.has("kernel")) {
          error(l.span(), op + " needs its kernel size", "e.g.  " + (depthwise ? "depthwise_conv(kernel: 3)" : "conv(32, kernel: 3)"));
          return;
        }
        int[] k = pair(a.get("kernel"), "the kernel size");
        int stride = a.has("stride") ? integer(a.get("stride"), 1, 1024, "the stride") : 1;
        int dilation = a.has("dilation") ? integer(a.get("dilation"), 1, 1024, "the dilation") : 1;
        int groups = depthwise ? in.channels() : a.has("groups") ? integer(a.get("groups"), 1, MAX_UNITS, "the number of groups") : 1;
        if (filters == 0 || k == null) return;
        if (in.channels() % groups != 0 || filters % groups != 0) {
          error(a.get("groups").span(), "groups: " + groups + " must divide both the " + in.channels() + " input channels and the " + filters + " filters",
              "choose a common divisor, e.g. groups: " + gcd(in.channels(), filters));
          return;
        }
        int[] pad = padding(a, k, dilation, stride);
        if (pad == null) return;
        if (!fits(l, a, in, k, pad, dilation, stride, true)) return;
        if (a.has("init")) explicitInits.add(name);
        double decay = a.number("decay", 1);
        if (decay < 0) error(a.get("decay").span(), "decay multiplies the weight decay: it must not be negative", "decay: 0 exempts the layer");
        int fanIn = in.channels() / groups * k[0] * k[1], fanOut = filters / groups * k[0] * k[1];
        Init w = a.has("init") ? init(a.get("init"), fanIn, fanOut, true) : null;
        if (w != null && w.distribution() == Init.Distribution.IDENTITY) {
          error(a.get("init").span(), "identity does not apply to a convolution's kernels", "use he_normal, xavier_uniform or orthogonal");
          return;
        }
        Init b = a.has("bias_init") ? init(a.get("bias_init"), fanIn, fanOut, false) : Init.zeros();
        boolean bias = !a.has("bias") || bool(a.get("bias"));
        checkBuffer(l.span(), (long) filters * fanIn, "weights");
        Op.Conv c = new Op.Conv(name, line, in, filters, k[0], k[1], stride, pad[0], pad[1], dilation, groups, bias, w, b == null ? Init.zeros() : b,
            decay, a.has("frozen") && bool(a.get("frozen")), depthwise, lrScale(a));
        checkBuffer(l.span(), (long) c.outputSize(), "outputs");
        checkBuffer(l.span(), (long) c.outHeight() * c.outWidth() * in.channels() * k[0] * k[1], "image patches (the product's input)");
        flowImage(c, c.outputShape());
      }
      case "maxpool", "avgpool" -> {
        Args a = args(l.arguments(), l.opSpan(), op, "kernel", "stride", "pad");
        if (!a.has("kernel")) {
          error(l.span(), op + " needs its window size", "e.g.  " + op + "(2)  halves the height and width");
          return;
        }
        int[] k = pair(a.get("kernel"), "the window size");
        if (k == null) return;
        int stride = a.has("stride") ? integer(a.get("stride"), 1, 1024, "the stride") : k[0];
        int[] pad = a.has("pad") ? pair(a.get("pad"), "the padding", 0) : new int[] {0, 0};
        if (pad == null) return;
        if (pad[0] > k[0] / 2 || pad[1] > k[1] / 2) {
          error(a.get("pad").span(), "the padding must be at most half the window: pad " + Math.max(pad[0], pad[1]) + " with a window of "
              + (k[0] == k[1] ? "" + k[0] : k[0] + "×" + k[1]), "PyTorch refuses it too; use pad: " + k[0] / 2 + " or less");
          return;
        }
        if (!fits(l, a, in, k, pad, 1, stride, false)) return;
        Op.Pool p = new Op.Pool(name, line, in, op.equals("maxpool") ? Op.Pool.Kind.MAX : Op.Pool.Kind.AVG, k[0], k[1], stride, pad[0], pad[1]);
        flowImage(p, p.outputShape());
      }
      case "global_avgpool" -> {
        args(l.arguments(), l.opSpan(), op);
        Op.Pool p = new Op.Pool(name, line, in, Op.Pool.Kind.GLOBAL_AVG, in.height(), in.width(), 1, 0, 0);
        ops.add(p);
        spatial = null;
        size = in.channels();
      }
      case "channel_dropout" -> {
        Args a = args(l.arguments(), l.opSpan(), op, "p");
        if (!a.has("p")) {
          error(l.span(), "channel_dropout needs its drop probability", "e.g.  channel_dropout(0.1)  drops 10% of each sample's channels in training");
          return;
        }
        Double p = number(a.get("p"));
        if (p != null && (p < 0 || p >= 1)) {
          error(a.get("p").span(), "the drop probability must be in [0, 1), got " + Num.fmt(p), "channel_dropout(p) takes the probability of DROPPING a channel");
        } else if (p != null) {
          ops.add(new Op.ChannelDropout(name, line, in, p));
        }
      }
      default -> throw new IllegalStateException(op);
    }
  }

  private void flowImage(Op op, Shape out) {
    ops.add(op);
    spatial = out;
    channelsLast = true;
    size = out.size();
  }

  private static int gcd(int a, int b) {
    return b == 0 ? a : gcd(b, a % b);
  }

  /** {@code k} or {@code [kh, kw]}, each at least {@code min}; null after an error. */
  private int[] pair(Ast.Expr e, String what, int min) {
    if (e instanceof Ast.ListOf list) {
      if (list.items().size() != 2) {
        error(e.span(), what + " is one number or two, [height, width]", "e.g.  [3, 3]");
        return null;
      }
      return new int[] {integer(list.items().get(0), min, 1024, what), integer(list.items().get(1), min, 1024, what)};
    }
    int v = integer(e, min, 1024, what);
    return new int[] {v, v};
  }

  private int[] pair(Ast.Expr e, String what) {
    return pair(e, what, 1);
  }

  /** {@code pad: p | [ph, pw] | same}: same keeps the size at stride 1 (an odd kernel's reach on each side). */
  private int[] padding(Args a, int[] k, int dilation, int stride) {
    if (!a.has("pad")) return new int[] {0, 0};
    Ast.Expr e = a.get("pad");
    if (e instanceof Ast.Name n && n.name().equals("same")) {
      int eh = dilation * (k[0] - 1), ew = dilation * (k[1] - 1);
      if (stride != 1) {
        error(e.span(), "pad: same keeps the size, which a stride of " + stride + " does not", "give the padding as a number: pad: " + eh / 2);
        return null;
      }
      if (eh % 2 != 0 || ew % 2 != 0) {
        error(e.span(), "pad: same needs an odd kernel: an even one would pad one side more than the other", "use an odd kernel, e.g. kernel: " + (k[0] + 1));
        return null;
      }
      return new int[] {eh / 2, ew / 2};
    }
    return pair(e, "the padding", 0);
  }

  /**
   * Whether the window (kernel k dilated by d) fits the padded image, and, for a convolution, whether the
   * stride steps exactly to its far edge: otherwise the last rows or columns would be silently dropped.
   */
  private boolean fits(Ast.Layer l, Args a, Op.Image in, int[] k, int[] pad, int dilation, int stride, boolean exact) {
    String[] dim = {"height", "width"}, line = {"row", "column"};
    int[] size = {in.height(), in.width()};
    for (int i = 0; i < 2; i++) {
      int reach = dilation * (k[i] - 1) + 1;
      if (reach > size[i] + 2 * pad[i]) {
        error(a.has("kernel") ? a.get("kernel").span() : l.span(), (l.op().endsWith("pool") ? "window " : "kernel ") + k[i] + (dilation > 1 ? " dilated " + dilation : "")
                + " with pad " + pad[i] + " does not fit a " + in.height() + "×" + in.width() + " input (its " + dim[i] + " is " + size[i] + ")",
            "use a smaller " + (l.op().endsWith("pool") ? "window" : "kernel") + " or more padding");
        return false;
      }
      int span = size[i] + 2 * pad[i] - reach;
      // the windows stop short of the far edge by span % stride; harmless while that is only padding
      if (span % stride > pad[i]) {
        String formula = "(" + size[i] + (pad[i] > 0 ? " + 2·" + pad[i] : "") + " − " + reach + ")/" + stride + " + 1";
        String hint = null;
        for (int p = pad[i] + 1; p <= pad[i] + stride && hint == null; p++) {
          if ((size[i] + 2 * p - reach) % stride <= p) hint = "use pad: " + p + ", or a stride that divides " + span;
        }
        if (exact) {
          error(a.has("stride") ? a.get("stride").span() : l.span(), "the " + dim[i] + " " + formula + " is not whole: stride " + stride + " drops the last "
              + line[i] + (span % stride - pad[i] > 1 ? "s" : "") + " of the input", hint == null ? "change the stride or the padding" : hint);
          return false;
        }
        int lost = span % stride - pad[i];
        warning(a.has("stride") ? a.get("stride").span() : l.span(), "the " + dim[i] + " " + formula + " is not whole: the last " + lost + " "
            + line[i] + (lost > 1 ? "s are" : " is") + " never pooled (as in PyTorch, which rounds down)", hint);
      }
    }
    return true;
  }

  /** A dense layer as parsed; its default init depends on the activation after it, known only once all layers are read. */
  final class Dense {
    final Op.Dense op;

    Dense(String name, int line, int in, int out, Ast.Expr init, Ast.Expr biasInit, double decay, boolean biasDecay, boolean frozen, double lrScale) {
      Init w = init == null ? null : init(init, in, out, true);
      Init b = biasInit == null ? Init.zeros() : init(biasInit, in, out, false);
      op = new Op.Dense(name, line, in, out, w, b == null ? Init.zeros() : b, decay, biasDecay, frozen, lrScale);
    }
  }

  /** A layer's lr_scale: its learning-rate multiplier, 1 unless given; not negative. */
  private double lrScale(Args a) {
    double s = a.number("lr_scale", 1);
    if (s < 0 || !Double.isFinite(s)) {
      error(a.get("lr_scale").span(), "lr_scale multiplies the learning rate: it must not be negative", "lr_scale: 0.1 trains a layer ten times slower");
      return 1;
    }
    return s;
  }

  /** Fills default weight inits by the notes' rule: He before ReLU, Xavier before tanh/sigmoid or no activation. */
  List<Op> resolveInits(List<Op> ops) {
    List<Op> out = new ArrayList<>(ops);
    for (int i = 0; i < out.size(); i++) {
      if (out.get(i) instanceof Op.Conv c && c.weightInit() == null) {
        Op.Activation.Kind next = nextActivation(out, i);
        Init w = next != null && next.reluFamily ? heNormal(c.fanIn()) : xavierUniform(c.fanIn(), c.fanOut());
        out.set(i, c.withInit(w));
        continue;
      }
      if (!(out.get(i) instanceof Op.Dense d) || d.weightInit() != null) continue;
      Op.Activation.Kind next = null;
      for (int j = i + 1; j < out.size() && next == null; j++) {
        if (out.get(j) instanceof Op.Activation a) next = a.kind();
        else if (out.get(j) instanceof Op.PRelu || out.get(j) instanceof Op.Maxout) next = Op.Activation.Kind.LEAKY_RELU; // ReLU-like: He
        else if (out.get(j) instanceof Op.Dense) break;
      }
      Init w = next != null && next.reluFamily ? heNormal(d.inputSize()) : xavierUniform(d.inputSize(), d.outputSize());
      out.set(i, d.withInit(w));
    }
    return out;
  }

  /** The activation that follows layer i before the next layer with weights, if any (ReLU-like for prelu and maxout). */
  private static Op.Activation.Kind nextActivation(List<Op> ops, int i) {
    for (int j = i + 1; j < ops.size(); j++) {
      if (ops.get(j) instanceof Op.Activation a) return a.kind();
      if (ops.get(j) instanceof Op.PRelu || ops.get(j) instanceof Op.Maxout) return Op.Activation.Kind.LEAKY_RELU;
      if (ops.get(j) instanceof Op.Dense || ops.get(j) instanceof Op.Conv) return null;
    }
    return null;
  }

  static Init heNormal(int in) {
    return new Init("he_normal", Init.Distribution.NORMAL, 0, Math.sqrt(2.0 / in));
  }

  static Init xavierUniform(int in, int out) {
    double limit = Math.sqrt(6.0 / (in + out));
    return new Init("xavier_uniform", Init.Distribution.UNIFORM, -limit, limit);
  }

  Init init(Ast.Expr e, int in, int out, boolean weights) {
    Callee callee = callee(e, "an initializer must be a name such as he_normal or a call such as normal(0, 0.01)", null);
    if (callee == null) return null;
    String name = callee.name();
    List<Ast.Arg> args = callee.arguments();
    if (INITS_LATER.contains(name)) {
      later(e.span(), "the initializer '" + name + "'", "the full initializer catalogue");
      return null;
    }
    switch (name) {
      case "zeros", "constant" -> {
        Args a = name.equals("zeros") ? args(args, e.span(), name, "force") : args(args, e.span(), name, "value", "force");
        double v = a.number("value", 0);
        if (name.equals("constant") && !a.has("value")) error(e.span(), "constant needs its value", "e.g.  bias_init: constant(0.1)");
        if (weights && !(a.has("force") && bool(a.get("force")))) {
          error(e.span(), "a constant weight matrix keeps every unit of a layer identical: they receive the same gradient and never differ",
              "use a random init (the default: he_normal before relu, xavier_uniform otherwise); constants suit biases; force: true if you mean it");
          return null;
        }
        return v == 0 ? Init.zeros() : new Init("constant", Init.Distribution.CONSTANT, v, 0);
      }
      case "identity" -> {
        args(args, e.span(), name);
        if (in != out) error(e.span(), "identity needs a square layer; this one is " + in + " → " + out, "use orthogonal for non-square layers");
        return new Init("identity", Init.Distribution.IDENTITY, 0, 0);
      }
      case "normal" -> {
        Args a = args(args, e.span(), name, "mean", "std");
        double mean = a.number("mean", 0), std = a.number("std", 0.01);
        if (std <= 0) error(e.span(), "normal(mean, std) needs std > 0", null);
        return new Init("normal", Init.Distribution.NORMAL, mean, std);
      }
      case "uniform" -> {
        Args a = args(args, e.span(), name, "low", "high");
        double lo = a.number("low", -0.05), hi = a.number("high", 0.05);
        if (hi <= lo) error(e.span(), "uniform(low, high) needs low < high", null);
        return new Init("uniform", Init.Distribution.UNIFORM, lo, hi);
      }
      case "xavier_uniform", "glorot" -> {
        args(args, e.span(), name);
        return xavierUniform(in, out);
      }
      case "xavier_normal" -> {
        args(args, e.span(), name);
        return new Init("xavier_normal", Init.Distribution.NORMAL, 0, Math.sqrt(2.0 / (in + out)));
      }
      case "lecun_normal" -> {
        args(args, e.span(), name);
        return new Init("lecun_normal", Init.Distribution.NORMAL, 0, Math.sqrt(1.0 / in));
      }
      case "he_normal", "kaiming" -> {
        args(args, e.span(), name);
        return heNormal(in);
      }
      case "he_uniform" -> {
        args(args, e.span(), name);
        double limit = Math.sqrt(6.0 / in);
        return new Init("he_uniform", Init.Distribution.UNIFORM, -limit, limit);
      }
      case "orthogonal" -> {
        Args a = args(args, e.span(), name, "gain");
        return new Init("orthogonal", Init.Distribution.ORTHOGONAL, a.number("gain", 1), 0);
      }
      default -> {
        error(e.span(), "unknown initializer '" + name + "'", suggest(name, INITS, "the initializers are: " + String.join(", ", INITS)));
        return null;
      }
    }
  }

  static long product(int[] shape) {
    long n = 1;
    for (int d : shape) n *= d;
    return n;
  }

  /**
   * Refuses, before anything is generated or allocated, a network whose arrays would not fit: the parameter
   * arena beyond one Java array, a batch of one layer's activations beyond one array, or everything
   * together (parameters, gradients, optimizer state, weight copies, activations and their gradients)
   * beyond this JVM's heap. Sizes are computed in long: they overflow int long before they are refused.
   */
  void checkMemory(Ast.Network network, List<Op> layers, TrainingChecks.Training t, Precision precision, int inputSize) {
    long arena = 0, activations = inputSize, widest = inputSize;
    Op widestOp = null;
    for (Op op : layers) {
      long stored = op.parameterCount() + (op instanceof Op.BatchNorm ? 2L * op.outputSize() : 0);
      arena += stored + (stored > 0 ? 4L * 16 : 0); // each tensor starts on an aligned offset
      activations += op.outputSize();
      if (op instanceof Op.Conv c) activations += (long) c.outHeight() * c.outWidth() * c.input().channels() * c.kh() * c.kw(); // its image patches
      if (op.outputSize() > widest) {
        widest = op.outputSize();
        widestOp = op;
      }
    }
    Span at = network.span();
    if (arena > Integer.MAX_VALUE - 1024) {
      error(at, "the network is too large: " + Num.count(arena) + " parameters, more than one Java array holds (" + Num.count(Integer.MAX_VALUE) + ")",
          "make the layers narrower");
      return;
    }
    if ((long) t.batch() * widest > Integer.MAX_VALUE - 1024) {
      error(at, "a batch of " + (widestOp == null ? "the input" : "layer '" + widestOp.name() + "'") + " holds " + Num.count((long) t.batch() * widest)
          + " values (" + t.batch() + " × " + Num.count(widest) + "), more than one Java array holds", "lower the batch size or the width");
      return;
    }
    int width = precision == Precision.FLOAT64 ? 8 : 4;
    int slots = t.optimizer().kind() == Model.Optimizer.Kind.ADAM || t.optimizer().kind() == Model.Optimizer.Kind.ADAMW ? 2
        : t.optimizer().kind() == Model.Optimizer.Kind.SGD && t.optimizer().momentum() == 0 ? 0 : 1;
    // parameters, gradients, transposed weight copies and optimizer state; early stopping keeps the best weights in doubles
    long bytes = arena * width * (3L + slots) + (t.stopping() != null && t.stopping().restoreBest() ? arena * 8 : 0)
        + (long) t.batch() * activations * width * 2; // each layer's output and its gradient
    long heap = Runtime.getRuntime().maxMemory();
    if (bytes > heap * 0.9) {
      error(at, "the network needs about " + Num.bytes(bytes) + " of memory to train (" + Num.count(arena) + " parameters with gradients, "
              + (slots == 0 ? "" : slots + " optimizer slot" + (slots == 1 ? "" : "s") + ", ") + "weight copies, and activations for a batch of " + t.batch()
              + "), more than this JVM's " + Num.bytes(heap) + " heap",
          "make the layers narrower or the batch smaller, or give Java more memory (e.g. JAVA_TOOL_OPTIONS=-Xmx" + ((bytes >> 30) + 2) + "g)");
    }
  }

  /**
   * A generated trainer is one Java class, and a class file holds at most 65,535 constants (names of its
   * fields and methods, literals). Each operation's generated code needs about as many as
   * {@link #constantCost} says (an upper bound measured per operation by ClassLimitsTest), so a network that
   * would overflow the class is refused here, with the figure, rather than failing in the Java compiler.
   */
  void checkClassSize(Ast.Network network, List<Op> layers) {
    long cost = ClassLimits.BASE_CONSTANTS;
    for (Op op : layers) cost += ClassLimits.constantCost(op);
    if (cost > ClassLimits.MAX_CONSTANTS) {
      error(network.span(), "the network is too large for one generated Java class: its " + layers.size() + " layers need about "
              + Num.count(cost) + " class-file constants, and a class holds " + Num.count(ClassLimits.MAX_CONSTANTS),
          "a dense layer takes about 80 and an activation 12; use fewer layers (about "
              + (ClassLimits.MAX_CONSTANTS - ClassLimits.BASE_CONSTANTS) / 92 + " dense -> relu pairs fit)");
    }
  }



  void checkBuffer(Span span, long elements, String what) {
    if (elements > MAX_BUFFER) {
      error(span.known() ? span : new Span(1, 1, 1), "the network is too large: " + elements + " " + what + " in one layer",
          "at most " + MAX_BUFFER + " values per tensor");
    }
  }

  // ====================================================================== loss

  Model.Loss loss(Ast.Setting s) {
    Ast.Expr e = single(s);
    if (e == null) return null;
    Callee callee = callee(e, "the loss must be a name", "loss softmax_cross_entropy  or  loss mse");
    if (callee == null) return null;
    String name = callee.name();
    List<Ast.Arg> args = callee.arguments();
    switch (name) {
      case "softmax_cross_entropy", "cross_entropy" -> {
        Args a = args(args, e.span(), name, "label_smoothing");
        double eps = a.number("label_smoothing", 0);
        if (eps < 0 || eps >= 1) error(a.span("label_smoothing", e), "label_smoothing must be in [0, 1), got " + Num.fmt(eps), "the usual value is 0.1");
        return new Model.Loss(Model.Loss.Kind.SOFTMAX_CROSS_ENTROPY, eps, s.span().line());
      }
      case "mse" -> {
        args(args, e.span(), name);
        return new Model.Loss(Model.Loss.Kind.MSE, 0, s.span().line());
      }
      case "binary_cross_entropy", "sigmoid_cross_entropy" -> {
        args(args, e.span(), name);
        return new Model.Loss(Model.Loss.Kind.SIGMOID_CROSS_ENTROPY, 0, s.span().line());
      }
      default -> {
        error(e.span(), "unknown loss '" + name + "'", suggest(name, List.of("softmax_cross_entropy", "cross_entropy", "mse", "sigmoid_cross_entropy", "binary_cross_entropy"),
            "the losses are softmax_cross_entropy (classes), mse (values) and sigmoid_cross_entropy (yes/no outputs)"));
        return null;
      }
    }
  }

  /** What the loss requires of the network's end, and batchnorm of the batch. */
  void checkLoss(Model.Loss loss, List<Op> layers) {
    if (loss == null || layers.isEmpty()) return;
    Op last = layers.get(layers.size() - 1);
    if (loss.kind() == Model.Loss.Kind.SOFTMAX_CROSS_ENTROPY) {
      if (last instanceof Op.Softmax sm) {
        error(lineSpan(sm.line()), "softmax before softmax_cross_entropy applies softmax twice",
            "drop the softmax layer: the loss applies softmax to the raw scores itself (and predict prints probabilities)");
      }
      if (last.outputSize() < 2) {
        error(lineSpan(last.line()), "softmax_cross_entropy needs at least 2 outputs (one per class); the last layer has " + last.outputSize(),
            "end the network with dense(<number of classes>)");
      }
    }
    if (layers.stream().anyMatch(o -> o instanceof Op.BatchNorm) && state.batchSize < 2) {
      error(lineSpan(layers.stream().filter(o -> o instanceof Op.BatchNorm).findFirst().orElseThrow().line()),
          "batchnorm needs batches of at least 2 samples", "raise 'batch' in the training block");
    }
  }
}

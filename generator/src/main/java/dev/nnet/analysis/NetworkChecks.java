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
  static final List<String> LAYERS = List.of("flatten", "dense", "batchnorm", "layernorm", "groupnorm", "residual", "prelu", "maxout", "softmax", "relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "dropout");
  /** Operations of the language whose compilation comes in a later version: named, so they are never silently ignored. */
  static final Map<String, String> LAYERS_LATER = Map.ofEntries(
      Map.entry("conv", "convolutions"), Map.entry("maxpool", "pooling"), Map.entry("avgpool", "pooling"),
      Map.entry("global_avgpool", "pooling"), Map.entry("depthwise_conv", "convolutions"), Map.entry("channel_dropout", "convolutions"));
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
    if (spatial != null && !op.equals("flatten")) {
      error(l.opSpan(), "'" + op + "' on an image of shape " + spatial + ": flatten it first",
          "add  flatten  before it (" + spatial + " -> [" + spatial.size() + "]); convolutions and pooling, which work on images, are not supported yet");
      spatial = null; // one error, not one per layer
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
        String begin = name + "Input";
        ops.add(new Op.ResidualBegin(begin, line, in, name));
        for (Ast.Layer inner : l.body().get()) layer(inner);
        int out = size;
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
        ops.add(new Op.Flatten(name, line, spatial));
        spatial = null;
      }
      case "dense" -> {
        Args a = args(l.arguments(), l.opSpan(), "dense", "units", "init", "bias_init", "decay", "bias_decay", "frozen");
        int units = a.has("units") ? integer(a.get("units"), 1, MAX_UNITS, "the number of units") : 0;
        if (!a.has("units")) error(l.span(), "dense needs its number of units", "e.g.  dense(128)");
        checkBuffer(l.span(), (long) size * units, "weights");
        if (a.has("init")) explicitInits.add(name);
        double decay = a.number("decay", 1);
        if (decay < 0) error(a.get("decay").span(), "decay multiplies the weight decay: it must not be negative", "decay: 0 exempts the layer");
        ops.add(new Dense(name, line, size, units, a.get("init"), a.get("bias_init"), decay,
            a.has("bias_decay") && bool(a.get("bias_decay")), a.has("frozen") && bool(a.get("frozen"))).op);
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
          if (size % groups != 0) error(a.get("groups").span(), "the " + size + " features do not split into " + groups + " equal groups", "choose a divisor of " + size);
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
        ops.add(new Op.PRelu(name, line, size, a.has("per_unit") && bool(a.get("per_unit"))));
      }
      case "batchnorm" -> {
        Args a = args(l.arguments(), l.opSpan(), op, "momentum", "eps");
        double momentum = a.number("momentum", 0.1), eps = a.number("eps", 1e-5);
        if (momentum <= 0 || momentum > 1) error(a.has("momentum") ? a.get("momentum").span() : l.span(), "momentum must be in (0, 1], got " + Num.fmt(momentum), "PyTorch's default is 0.1");
        if (eps <= 0) error(a.has("eps") ? a.get("eps").span() : l.span(), "eps must be positive", "the usual value is 1e-5");
        ops.add(new Op.BatchNorm(name, line, size, momentum, eps));
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

  /** A dense layer as parsed; its default init depends on the activation after it, known only once all layers are read. */
  final class Dense {
    final Op.Dense op;

    Dense(String name, int line, int in, int out, Ast.Expr init, Ast.Expr biasInit, double decay, boolean biasDecay, boolean frozen) {
      Init w = init == null ? null : init(init, in, out, true);
      Init b = biasInit == null ? Init.zeros() : init(biasInit, in, out, false);
      op = new Op.Dense(name, line, in, out, w, b == null ? Init.zeros() : b, decay, biasDecay, frozen);
    }
  }

  /** Fills default weight inits by the notes' rule: He before ReLU, Xavier before tanh/sigmoid or no activation. */
  List<Op> resolveInits(List<Op> ops) {
    List<Op> out = new ArrayList<>(ops);
    for (int i = 0; i < out.size(); i++) {
      if (!(out.get(i) instanceof Op.Dense d) || d.weightInit() != null) continue;
      Op.Activation.Kind next = null;
      for (int j = i + 1; j < out.size() && next == null; j++) {
        if (out.get(j) instanceof Op.Activation a) next = a.kind();
        else if (out.get(j) instanceof Op.PRelu || out.get(j) instanceof Op.Maxout) next = Op.Activation.Kind.LEAKY_RELU; // ReLU-like: He
        else if (out.get(j) instanceof Op.Dense) break;
      }
      Init w = next != null && next.reluFamily ? heNormal(d.inputSize()) : xavierUniform(d.inputSize(), d.outputSize());
      out.set(i, new Op.Dense(d.name(), d.line(), d.inputSize(), d.outputSize(), w, d.biasInit(), d.decay(), d.biasDecay(), d.frozen()));
    }
    return out;
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

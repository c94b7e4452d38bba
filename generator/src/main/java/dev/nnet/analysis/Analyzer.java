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
 * Syntax tree to checked {@link Model}: resolves names and {@code let} values, fills defaults, infers
 * every shape, and checks placement. All errors found are reported together, each with its position and
 * a hint. Constructs the language has but this version cannot compile yet are errors that say so.
 */
public final class Analyzer {

  /** Limits that keep an untrusted file from asking for absurd memory. */
  static final int MAX_UNITS = 1 << 20, MAX_BATCH = 1 << 16;
  static final long MAX_BUFFER = 1L << 28;

  private static final List<String> TOP_LEVEL = List.of("model", "input", "loss", "precision", "network", "training", "data", "let", "search", "freeze", "from");
  private static final List<String> LAYERS = List.of("dense", "batchnorm", "layernorm", "groupnorm", "residual", "prelu", "maxout", "softmax", "relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "dropout");
  /** Operations of the language whose compilation comes in a later version: named, so they are never silently ignored. */
  private static final Map<String, String> LAYERS_LATER = Map.ofEntries(




      Map.entry("conv", "convolutions"), Map.entry("maxpool", "pooling"), Map.entry("avgpool", "pooling"),
      Map.entry("flatten", "multi-dimensional inputs"));
  private static final List<String> TRAINING = List.of("batch", "epochs", "seed", "optimizer", "shuffle", "schedule",
      "early_stopping", "checkpoint_every", "weight_decay", "l1", "clip_value", "clip_norm");
  private static final List<String> TRAINING_LATER = List.of();
  private static final List<String> SCHEDULES = List.of("constant", "step", "multistep", "exponential", "cosine", "cosine_restarts",
      "warmup", "plateau");
  private static final List<String> MONITORS = List.of("val_loss", "val_accuracy", "loss", "accuracy");
  private static final List<String> DATA = List.of("dir", "train", "test", "scale", "validation", "stratify", "folds", "preprocess", "augment");
  private static final List<String> DATA_LATER = List.of();
  private static final List<String> PREPROCESS = List.of("none", "center", "standardize", "pca", "whiten", "zca");
  private static final List<String> AUGMENT = List.of("noise", "mirror", "crop", "rotate", "zoom");
  private static final List<String> INITS = List.of("zeros", "constant", "identity", "normal", "uniform", "xavier_normal", "xavier_uniform",
      "glorot", "lecun_normal", "he_normal", "kaiming", "he_uniform", "orthogonal");
  private static final List<String> INITS_LATER = List.of();
  private static final Set<String> JAVA_KEYWORDS = Set.of("abstract", "assert", "boolean", "break", "byte", "case", "catch",
      "char", "class", "const", "continue", "default", "do", "double", "else", "enum", "extends", "final", "finally", "float",
      "for", "goto", "if", "implements", "import", "instanceof", "int", "interface", "long", "native", "new", "package",
      "private", "protected", "public", "return", "short", "static", "strictfp", "super", "switch", "synchronized", "this",
      "throw", "throws", "transient", "try", "void", "volatile", "while", "true", "false", "null", "var", "record", "yield", "_");

  /**
   * Classes of java.lang that generated code names without their package: a model (the generated class)
   * named like one of them would hide it. Reserved rather than qualified everywhere, to keep the code plain.
   */
  private static final Set<String> JAVA_LANG = Set.of("Math", "StrictMath", "System", "Object", "String", "Float", "Double",
      "Integer", "Long", "Short", "Byte", "Boolean", "Character", "Number", "Void", "Class", "Thread", "Runnable", "Runtime",
      "Override", "Deprecated", "SuppressWarnings", "FunctionalInterface", "SafeVarargs", "Throwable", "Exception", "Error",
      "RuntimeException", "IllegalStateException", "IllegalArgumentException", "ArithmeticException", "Iterable",
      "Comparable", "Enum", "Record", "Process", "ThreadLocal", "InterruptedException");

  private final SourceFile src;
  private final List<Diagnostic> errors = new ArrayList<>();
  private final List<Diagnostic> warnings = new ArrayList<>();
  private final Map<String, Double> lets = new HashMap<>();
  private int batchSize;
  /** Dense layers whose weight init the file chose (the defaults never earn an init warning). */
  private final Set<String> explicitInits = new HashSet<>();
  /** Where an image augmentation was asked for: the input must have a height and a width. */
  private final List<Span> imageNeeded = new ArrayList<>();
  /** Where a val_ metric is monitored (explicitly or by default): each needs a validation split. */
  private final List<Span> monitorsNeedingValidation = new ArrayList<>();

  private Analyzer(SourceFile src) {
    this.src = src;
  }

  /** Checks a parsed file; throws {@link CompileException} listing every error found. */
  public static Model analyze(Ast.File file) {
    return new Analyzer(file.source()).run(file);
  }

  // ====================================================================== the file

  private Model run(Ast.File file) {
    if (file.items().isEmpty()) {
      throw new CompileException(Diagnostic.error(src, new Span(1, 1, 1), "the file is empty",
          "a .nnet file needs at least:  input [784]   network { dense(10) }   loss softmax_cross_entropy"));
    }
    String name = null;
    int[] input = null;
    Span inputSpan = null;
    Ast.Network network = null;
    Model.Loss loss = null;
    boolean lossSeen = false;
    Precision precision = Precision.FLOAT32;
    Ast.Block training = null, data = null;
    for (Ast.Item item : file.items()) {
      if (item instanceof Ast.Let let) {
        let(let);
      } else if (item instanceof Ast.Network n) {
        if (network != null) error(n.span(), "a second network block", "a file describes one network; merge the blocks");
        network = n;
      } else if (item instanceof Ast.FromLoad f) {
        later(f.span(), "loading weights from a checkpoint ('from ... load')", "transfer learning");
      } else if (item instanceof Ast.Block b) {
        switch (b.key()) {
          case "training" -> {
            if (training != null) error(b.span(), "a second training block", "merge the two training blocks");
            training = b;
          }
          case "data" -> {
            if (data != null) error(b.span(), "a second data block", "merge the two data blocks");
            data = b;
          }
          default -> error(b.span(), "unknown block '" + b.key() + "'", suggest(b.key(), List.of("network", "training", "data"),
              "the blocks are network { }, training { } and data { }"));
        }
      } else if (item instanceof Ast.Setting s) {
        switch (s.key()) {
          case "model" -> name = modelName(s);
          case "input" -> {
            input = inputShape(s);
            inputSpan = s.span();
          }
          case "loss" -> {
            loss = loss(s);
            lossSeen = true;
          }
          case "precision" -> precision = precision(s);
          case "search" -> later(s.keySpan(), "hyperparameter search", "hyperparameter search");
          case "freeze" -> later(s.keySpan(), "freezing layers", "transfer learning");
          case "batch", "epochs", "optimizer", "seed" -> error(s.keySpan(), "'" + s.key() + "' belongs in the training block",
              "write it inside training { ... }");
          case "train", "test", "scale", "validation" -> error(s.keySpan(), "'" + s.key() + "' belongs in the data block",
              "write it inside data { ... }");
          default -> error(s.keySpan(), "unknown setting '" + s.key() + "'", suggest(s.key(), TOP_LEVEL,
              "the top level has: model, input, network { }, loss, training { }, data { }, precision, let"));
        }
      }
    }
    if (inputSpan == null) error(new Span(1, 1, 1), "the file has no 'input' line", "say the shape of one sample, e.g.  input [784]");
    if (network == null) error(new Span(1, 1, 1), "the file has no network block", "add  network { dense(128) -> relu -> dense(10) }");
    if (!lossSeen) error(new Span(1, 1, 1), "the file has no 'loss' line", "add  loss softmax_cross_entropy  (classes) or  loss mse  (values)");
    Training t = training(training);
    TrainingPlan.Data d = data(data);
    if (input != null && input.length < 2) {
      for (Span span : imageNeeded) {
        error(span, "this augmentation needs an image: input [" + (input.length == 1 ? input[0] : "") + "] has no height and width",
            "write the input's shape, e.g.  input [28, 28]  or  input [1, 28, 28]");
      }
    }
    if (d.validation() == 0 && d.folds() == 0 && d.train() != null) {
      for (Span span : monitorsNeedingValidation) {
        error(span, "this monitors a validation metric, but the data block holds out no validation split",
            "add  validation 0.1  to the data block, or monitor loss");
      }
    }
    failOnErrors();

    List<Op> layers = layers(network, input, d.preprocess());
    failOnErrors();
    checkMemory(network, layers, t, precision, d.preprocess().outputSize(Math.toIntExact(product(input))));
    checkClassSize(network, layers);
    failOnErrors();
    batchSize = t.batch;
    checkLoss(loss, layers, input, network);
    failOnErrors();

    String className = name != null ? name : defaultName();
    TrainingPlan plan = new TrainingPlan(t.epochs, t.seed, t.shuffle, t.optimizer.lr(), t.optimizer.describe(), d, t.schedule,
        t.stopping, t.checkpointEvery);
    return new Model(className, src, input, List.copyOf(layers), loss, t.optimizer, t.batch, precision, plan, t.regularization, List.copyOf(warnings));
  }

  private void failOnErrors() {
    if (!errors.isEmpty()) {
      List<Diagnostic> all = new ArrayList<>(errors);
      all.addAll(warnings);
      throw new CompileException(all);
    }
  }

  private String defaultName() {
    StringBuilder sb = new StringBuilder();
    boolean upper = true;
    for (char c : src.baseName().toCharArray()) {
      if (Character.isLetterOrDigit(c) && c < 128) {
        sb.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      } else {
        upper = true;
      }
    }
    String n = sb.toString();
    return n.isEmpty() || !Character.isLetter(n.charAt(0)) ? "Model" + n : n;
  }

  private String modelName(Ast.Setting s) {
    Ast.Expr e = single(s);
    if (!(e instanceof Ast.Name n)) {
      error(e == null ? s.span() : e.span(), "the model name must be a name", "e.g.  model FashionMlp");
      return null;
    }
    if (JAVA_KEYWORDS.contains(n.name())) {
      error(n.span(), "'" + n.name() + "' cannot name a model: it is a Java keyword", "the model name becomes a Java class name; e.g. model " + capital(n.name()) + "Net");
      return null;
    }
    if (JAVA_LANG.contains(n.name())) {
      error(n.span(), "'" + n.name() + "' cannot name a model: the generated class would hide java.lang." + n.name() + ", which its code uses",
          "e.g. model " + n.name() + "Net");
      return null;
    }
    return n.name();
  }

  private int[] inputShape(Ast.Setting s) {
    Ast.Expr e = single(s);
    if (e == null) return null;
    List<Ast.Expr> dims = e instanceof Ast.ListOf l ? l.items() : List.of(e);
    if (dims.isEmpty()) {
      error(e.span(), "the input shape is empty", "e.g.  input [784]");
      return null;
    }
    int[] shape = new int[dims.size()];
    long values = 1;
    for (int i = 0; i < shape.length; i++) values *= shape[i] = integer(dims.get(i), 1, MAX_UNITS, "an input dimension");
    if (values > MAX_BUFFER) { // each dimension is at most 2^20, so three of them cannot overflow a long
      error(e.span(), "the input is too large: " + Num.count(values) + " values per sample, more than one tensor may hold ("
          + Num.count(MAX_BUFFER) + ")", "downsample the input, or crop it");
      return null;
    }
    return shape;
  }

  private Precision precision(Ast.Setting s) {
    Ast.Expr e = single(s);
    if (e instanceof Ast.Name n) {
      switch (n.name()) {
        case "float32": return Precision.FLOAT32;
        case "float64": return Precision.FLOAT64;
        case "mixed": later(n.span(), "mixed precision", "mixed precision"); return Precision.FLOAT32;
        default: break;
      }
    }
    if (e instanceof Ast.Call c && c.name().equals("mixed")) {
      later(c.span(), "mixed precision", "mixed precision");
      return Precision.FLOAT32;
    }
    error(e == null ? s.span() : e.span(), "unknown precision", "write  precision float32  (the default) or  precision float64");
    return Precision.FLOAT32;
  }

  private void let(Ast.Let let) {
    if (let.search().isPresent()) later(let.search().get().span(), "search domains on 'let'", "hyperparameter search");
    Double v = number(let.value());
    if (lets.containsKey(let.name())) error(let.nameSpan(), "'" + let.name() + "' is already defined", "give each 'let' its own name");
    if (v != null) lets.put(let.name(), v);
  }

  // ====================================================================== the network

  // the network being built: its ops so far, the size flowing out of the last one, names used
  private List<Op> ops;
  private int size;
  private Map<String, Integer> counters;
  private Set<String> names;
  private int[] inputShape;

  private List<Op> layers(Ast.Network network, int[] input, Preprocessor.Spec preprocess) {
    ops = new ArrayList<>();
    if (network.layers().isEmpty()) {
      error(network.span(), "the network has no layers", "e.g.  network { dense(128) -> relu -> dense(10) }");
      return ops;
    }
    int raw = 1;
    for (int d : input) raw *= d;
    size = preprocess.outputSize(raw); // a sample as the network sees it: flattened, then preprocessed
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

  private void collectAliases(List<Ast.Layer> layers) {
    for (Ast.Layer l : layers) {
      l.alias().ifPresent(a -> explicitNames.putIfAbsent(a.name(), a.span()));
      l.body().ifPresent(this::collectAliases);
    }
  }

  /** The next automatic name for {@code op}: relu1, relu2, ..., skipping names the file gives explicitly. */
  private String automaticName(String op) {
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
  private void checkNameClashes() {
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
  private void layer(Ast.Layer l) {
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
  private final class Dense {
    final Op.Dense op;

    Dense(String name, int line, int in, int out, Ast.Expr init, Ast.Expr biasInit, double decay, boolean biasDecay, boolean frozen) {
      Init w = init == null ? null : init(init, in, out, true);
      Init b = biasInit == null ? Init.zeros() : init(biasInit, in, out, false);
      op = new Op.Dense(name, line, in, out, w, b == null ? Init.zeros() : b, decay, biasDecay, frozen);
    }
  }

  /** Fills default weight inits by the notes' rule: He before ReLU, Xavier before tanh/sigmoid or no activation. */
  private List<Op> resolveInits(List<Op> ops) {
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

  private static Init heNormal(int in) {
    return new Init("he_normal", Init.Distribution.NORMAL, 0, Math.sqrt(2.0 / in));
  }

  private static Init xavierUniform(int in, int out) {
    double limit = Math.sqrt(6.0 / (in + out));
    return new Init("xavier_uniform", Init.Distribution.UNIFORM, -limit, limit);
  }

  private Init init(Ast.Expr e, int in, int out, boolean weights) {
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

  private static long product(int[] shape) {
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
  private void checkMemory(Ast.Network network, List<Op> layers, Training t, Precision precision, int inputSize) {
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
    if ((long) t.batch * widest > Integer.MAX_VALUE - 1024) {
      error(at, "a batch of " + (widestOp == null ? "the input" : "layer '" + widestOp.name() + "'") + " holds " + Num.count((long) t.batch * widest)
          + " values (" + t.batch + " × " + Num.count(widest) + "), more than one Java array holds", "lower the batch size or the width");
      return;
    }
    int width = precision == Precision.FLOAT64 ? 8 : 4;
    int slots = t.optimizer.kind() == Model.Optimizer.Kind.ADAM || t.optimizer.kind() == Model.Optimizer.Kind.ADAMW ? 2
        : t.optimizer.kind() == Model.Optimizer.Kind.SGD && t.optimizer.momentum() == 0 ? 0 : 1;
    // parameters, gradients, transposed weight copies and optimizer state; early stopping keeps the best weights in doubles
    long bytes = arena * width * (3L + slots) + (t.stopping != null && t.stopping.restoreBest() ? arena * 8 : 0)
        + (long) t.batch * activations * width * 2; // each layer's output and its gradient
    long heap = Runtime.getRuntime().maxMemory();
    if (bytes > heap * 0.9) {
      error(at, "the network needs about " + Num.bytes(bytes) + " of memory to train (" + Num.count(arena) + " parameters with gradients, "
              + (slots == 0 ? "" : slots + " optimizer slot" + (slots == 1 ? "" : "s") + ", ") + "weight copies, and activations for a batch of " + t.batch
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
  private void checkClassSize(Ast.Network network, List<Op> layers) {
    long cost = CLASS_BASE_CONSTANTS;
    for (Op op : layers) cost += constantCost(op);
    if (cost > MAX_CLASS_CONSTANTS) {
      error(network.span(), "the network is too large for one generated Java class: its " + layers.size() + " layers need about "
              + Num.count(cost) + " class-file constants, and a class holds " + Num.count(MAX_CLASS_CONSTANTS),
          "a dense layer takes about 80 and an activation 12; use fewer layers (about "
              + (MAX_CLASS_CONSTANTS - CLASS_BASE_CONSTANTS) / 92 + " dense -> relu pairs fit)");
    }
  }

  /** What a trainer class needs whatever its layers: the runtime's types, the loss, the optimizer. */
  public static final int CLASS_BASE_CONSTANTS = 1_000;
  /** The class file's limit of 65,535, less a margin for what the estimate misses. */
  public static final int MAX_CLASS_CONSTANTS = 60_000;

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

  private void checkBuffer(Span span, long elements, String what) {
    if (elements > MAX_BUFFER) {
      error(span.known() ? span : new Span(1, 1, 1), "the network is too large: " + elements + " " + what + " in one layer",
          "at most " + MAX_BUFFER + " values per tensor");
    }
  }

  // ====================================================================== loss

  private Model.Loss loss(Ast.Setting s) {
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

  private void checkLoss(Model.Loss loss, List<Op> layers, int[] input, Ast.Network network) {
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
    if (loss.kind() != Model.Loss.Kind.MSE) {
      if (last instanceof Op.Activation a) {
        warning(lineSpan(a.line()), "the network ends in " + a.kind().keyword + " before " + loss.kind().keyword,
            "the loss applies " + (loss.kind() == Model.Loss.Kind.SOFTMAX_CROSS_ENTROPY ? "softmax" : "the sigmoid")
                + " to raw scores itself; a final activation squeezes them and slows learning");
      }
    }
    for (int i = 0; i + 1 < layers.size(); i++) {
      if (layers.get(i) instanceof Op.Dropout d && layers.get(i + 1) instanceof Op.Activation a) {
        warning(lineSpan(d.line()), "dropout before " + a.kind().keyword,
            "the notes place dropout after the activation, before the next linear layer");
      }
      if (layers.get(i) instanceof Op.Dropout d && layers.get(i + 1) instanceof Op.BatchNorm) {
        warning(lineSpan(d.line()), "dropout before batchnorm",
            "dropout changes the statistics batchnorm learns in training but not in evaluation; put dropout after the activation");
      }
      if (layers.get(i) instanceof Op.Activation a && layers.get(i + 1) instanceof Op.BatchNorm) {
        warning(lineSpan(a.line()), "batchnorm after " + a.kind().keyword,
            "the notes place batchnorm after the linear layer and before the activation: dense -> batchnorm -> relu");
      }
    }
    if (layers.stream().anyMatch(o -> o instanceof Op.BatchNorm) && batchSize < 2) {
      error(lineSpan(layers.stream().filter(o -> o instanceof Op.BatchNorm).findFirst().orElseThrow().line()),
          "batchnorm needs batches of at least 2 samples", "raise 'batch' in the training block");
    }
    int sigmoids = 0;
    for (int i = 0; i < layers.size(); i++) {
      Op op = layers.get(i);
      if (op instanceof Op.Dense d && explicitInits.contains(d.name())) {
        Op.Activation next = null;
        for (int j = i + 1; j < layers.size() && next == null && !(layers.get(j) instanceof Op.Dense); j++) {
          if (layers.get(j) instanceof Op.Activation a) next = a;
        }
        String init = d.weightInit().name();
        if (next != null && !next.kind().reluFamily && init.startsWith("he_")) {
          warning(lineSpan(d.line()), init + " before " + next.kind().keyword,
              "He initialization is derived for ReLU; for tanh and sigmoid the notes use Xavier (xavier_uniform, the default here)");
        } else if (next != null && next.kind().reluFamily && (init.startsWith("xavier") || init.equals("lecun_normal"))) {
          warning(lineSpan(d.line()), init + " before " + next.kind().keyword,
              "half of a ReLU's inputs are zeroed, so Xavier/LeCun lets the signal shrink layer by layer; He (he_normal, the default here) keeps it");
        }
      }
      if (op instanceof Op.Activation a && a.kind() == Op.Activation.Kind.SIGMOID && i < layers.size() - 1) sigmoids++;
      if (op instanceof Op.Dropout d && d.p() >= 0.5 && d.inputSize() <= 64) {
        warning(lineSpan(d.line()), "dropout(" + Num.fmt(d.p()) + ") drops " + Math.round(d.p() * 100) + "% of only " + d.inputSize() + " units",
            "dropout(p) takes the probability of DROPPING a unit; if you meant to keep " + Num.fmt(d.p()) + ", write dropout(" + Num.fmt(1 - d.p()) + ")");
      }
    }
    if (sigmoids >= 3) {
      Op first = layers.stream().filter(o -> o instanceof Op.Activation a && a.kind() == Op.Activation.Kind.SIGMOID).findFirst().orElseThrow();
      warning(lineSpan(first.line()), sigmoids + " sigmoid hidden layers: gradients shrink by at least 4× through each",
          "σ' ≤ 1/4 and σ is not zero-centred; prefer relu (or tanh) in hidden layers, as the notes advise");
    }
  }

  private Span lineSpan(int line) {
    String text = src.line(line);
    int start = 0;
    while (start < text.length() && Character.isWhitespace(text.charAt(start))) start++;
    return new Span(line, start + 1, Math.max(1, text.stripTrailing().length() - start));
  }

  // ====================================================================== training

  private record Training(int batch, int epochs, long seed, boolean shuffle, Model.Optimizer optimizer,
                          List<TrainingPlan.Stage> schedule, TrainingPlan.EarlyStopping stopping, int checkpointEvery,
                          Model.Regularization regularization) {}

  private Training training(Ast.Block block) {
    int batch = 32, epochs = 10;
    long seed = 1;
    boolean shuffle = true;
    Model.Optimizer opt = Model.Optimizer.adam(1e-3, 0.9, 0.999, 1e-8, 0);
    if (block == null) return new Training(batch, epochs, seed, shuffle, opt, List.of(), null, 1, Model.Regularization.NONE);
    double l2 = 0, l1 = 0, clipValue = 0, clipNorm = 0;
    Ast.Expr scheduleExpr = null;
    TrainingPlan.EarlyStopping stopping = null;
    int checkpointEvery = 1;
    Set<String> seen = new HashSet<>();
    for (Ast.Setting s : block.settings()) {
      if (!seen.add(s.key())) error(s.keySpan(), "'" + s.key() + "' is set twice", "keep one");
      switch (s.key()) {
        case "batch" -> batch = integer(single(s), 1, MAX_BATCH, "the batch size");
        case "epochs" -> epochs = integer(single(s), 1, 1_000_000, "the number of epochs");
        case "seed" -> seed = integer(single(s), 0, Integer.MAX_VALUE, "the seed");
        case "shuffle" -> shuffle = bool(single(s));
        case "optimizer" -> {
          Model.Optimizer o = optimizer(single(s), s.span().line());
          if (o != null) opt = o;
        }
        case "schedule" -> {
          if (s.values().size() == 1 && s.arguments().isEmpty()) scheduleExpr = s.values().get(0);
          else error(s.span(), "'schedule' takes one schedule (stages joined by 'then')", "e.g.  schedule warmup(epochs: 2) then cosine(min: 1e-5)");
        }
        case "early_stopping" -> stopping = earlyStopping(s);
        case "checkpoint_every" -> checkpointEvery = integer(single(s), 1, 1_000_000, "checkpoint_every (epochs)");
        case "weight_decay" -> l2 = nonNegative(single(s), "weight_decay", "e.g.  weight_decay 5e-4");
        case "l1" -> l1 = nonNegative(single(s), "l1", "e.g.  l1 1e-5");
        case "clip_value" -> clipValue = nonNegative(single(s), "clip_value", "e.g.  clip_value 1.0");
        case "clip_norm" -> clipNorm = nonNegative(single(s), "clip_norm", "e.g.  clip_norm 5.0");
        default -> {
          if (TRAINING_LATER.contains(s.key())) later(s.keySpan(), "'" + s.key() + "'", "regularization and the training loop's options");
          else error(s.keySpan(), "unknown training setting '" + s.key() + "'", suggest(s.key(), TRAINING,
              "the training block has: " + String.join(", ", TRAINING)));
        }
      }
    }
    List<TrainingPlan.Stage> schedule = scheduleExpr == null ? List.of() : schedule(scheduleExpr, opt.lr());
    if (clipValue > 0 && clipNorm > 0) error(block.span(), "clip_value and clip_norm both clip the gradient; choose one", null);
    if (l2 > 0 && opt.kind() == Model.Optimizer.Kind.ADAMW) {
      warning(block.span(), "weight_decay adds L2 to the gradient, and adamw decays the weights too",
          "with adamw, set its weight_decay only: the decoupled form is what AdamW is for");
    }
    return new Training(batch, epochs, seed, shuffle, opt, schedule, stopping, checkpointEvery, new Model.Regularization(l2, l1, clipValue, clipNorm));
  }

  private double nonNegative(Ast.Expr e, String what, String example) {
    Double v = number(e);
    if (v == null) return 0;
    if (v < 0) error(e.span(), what + " must not be negative, got " + Num.fmt(v), example);
    return Math.max(0, v);
  }

  /** {@code early_stopping(monitor: val_loss, patience: 5, min_delta: 0, restore_best: true)}. */
  private TrainingPlan.EarlyStopping earlyStopping(Ast.Setting s) {
    if (s.arguments().isEmpty() || !s.values().isEmpty()) {
      error(s.span(), "early_stopping takes its options in parentheses", "e.g.  early_stopping(monitor: val_loss, patience: 5, restore_best: true)");
      return null;
    }
    Args a = args(s.arguments().get(), s.keySpan(), "early_stopping", "monitor", "patience", "min_delta", "restore_best");
    String monitor = monitor(a, "val_loss", s.span());
    int patience = a.has("patience") ? integer(a.get("patience"), 1, 1_000_000, "patience (epochs)") : 5;
    double minDelta = a.number("min_delta", 0);
    if (minDelta < 0) error(a.span("min_delta", null), "min_delta must not be negative", null);
    boolean restore = !a.has("restore_best") || bool(a.get("restore_best"));
    return new TrainingPlan.EarlyStopping(monitor, patience, minDelta, restore);
  }

  /** A monitored metric: val_loss, val_accuracy, loss or accuracy; val_ ones need a validation split (checked with the data block). */
  private String monitor(Args a, String dflt, Span where) {
    if (!a.has("monitor")) {
      if (dflt.startsWith("val_")) monitorsNeedingValidation.add(where);
      return dflt;
    }
    Ast.Expr e = a.get("monitor");
    if (!(e instanceof Ast.Name n) || !MONITORS.contains(n.name())) {
      String name = e instanceof Ast.Name n ? n.name() : "";
      error(e.span(), "cannot monitor '" + name + "'", suggest(name, MONITORS, "monitor one of " + String.join(", ", MONITORS)));
      return dflt;
    }
    if (n.name().startsWith("val_")) monitorsNeedingValidation.add(e.span());
    return n.name();
  }

  /** The stages of {@code schedule}: every stage but the last must be a warmup, which has a length. */
  private List<TrainingPlan.Stage> schedule(Ast.Expr e, double lr) {
    List<Ast.Expr> parts = e instanceof Ast.Then t ? t.stages() : List.of(e);
    List<TrainingPlan.Stage> stages = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      Callee c = callee(parts.get(i), "a schedule is a name or a call such as cosine(min: 1e-5)", null);
      if (c == null) continue;
      TrainingPlan.Stage stage = stage(c, parts.get(i).span(), lr);
      if (stage == null) continue;
      if (i < parts.size() - 1 && !stage.kind().equals("warmup")) {
        error(parts.get(i).span(), "only warmup(...) can come before 'then'", "a " + stage.kind() + " schedule never ends; put it last");
      }
      if (i == parts.size() - 1 && stage.kind().equals("warmup")) {
        error(parts.get(i).span(), "warmup(...) needs a schedule after it", "e.g.  schedule warmup(epochs: 2) then constant");
      }
      stages.add(stage);
    }
    return stages;
  }

  private TrainingPlan.Stage stage(Callee c, Span span, double lr) {
    String k = c.name();
    switch (k) {
      case "constant" -> {
        args(c.arguments(), span, k, "unit");
        return new TrainingPlan.Stage(k, false, new double[0], "");
      }
      case "step" -> {
        Args a = args(c.arguments(), span, k, "every", "gamma", "unit");
        double every = a.has("every") ? integer(a.get("every"), 1, Integer.MAX_VALUE, "every") : 10;
        return new TrainingPlan.Stage(k, unit(a), new double[] {every, gamma(a, 0.1)}, "");
      }
      case "multistep" -> {
        Args a = args(c.arguments(), span, k, "at", "gamma", "unit");
        List<Double> at = new ArrayList<>();
        if (a.get("at") instanceof Ast.ListOf l && !l.items().isEmpty()) {
          double prev = -1;
          for (Ast.Expr x : l.items()) {
            int v = integer(x, 1, Integer.MAX_VALUE, "a milestone");
            if (v <= prev) error(x.span(), "milestones must increase", null);
            prev = v;
            at.add((double) v);
          }
        } else {
          error(a.has("at") ? a.get("at").span() : span, "multistep needs its milestones as a list", "e.g.  multistep(at: [10, 50], gamma: 0.7)");
        }
        double[] args = new double[at.size() + 1];
        args[0] = gamma(a, 0.1);
        for (int i = 0; i < at.size(); i++) args[i + 1] = at.get(i);
        return new TrainingPlan.Stage(k, unit(a), args, "");
      }
      case "exponential" -> {
        Args a = args(c.arguments(), span, k, "gamma", "unit");
        if (!a.has("gamma")) error(span, "exponential needs gamma, the factor per epoch", "e.g.  exponential(gamma: 0.99)");
        return new TrainingPlan.Stage(k, unit(a), new double[] {gamma(a, 0.99)}, "");
      }
      case "cosine" -> {
        Args a = args(c.arguments(), span, k, "T", "min", "unit");
        double T = a.has("T") ? integer(a.get("T"), 1, Integer.MAX_VALUE, "T") : 0;
        return new TrainingPlan.Stage(k, unit(a), new double[] {T, minRate(a, lr)}, "");
      }
      case "cosine_restarts" -> {
        Args a = args(c.arguments(), span, k, "period", "mult", "min", "unit");
        double period = a.has("period") ? integer(a.get("period"), 1, Integer.MAX_VALUE, "period") : 10;
        double mult = a.number("mult", 1);
        if (mult < 1) error(a.span("mult", null), "mult must be at least 1 (each cycle as long as the last, or longer)", null);
        return new TrainingPlan.Stage(k, unit(a), new double[] {period, mult, minRate(a, lr)}, "");
      }
      case "warmup" -> {
        Args a = args(c.arguments(), span, k, "epochs", "from", "steps");
        if (a.has("epochs") == a.has("steps")) {
          error(span, "warmup needs its length in epochs or in steps", "e.g.  warmup(epochs: 2, from: 1e-5)  or  warmup(steps: 500)");
          return null;
        }
        boolean steps = a.has("steps");
        int length = integer(a.get(steps ? "steps" : "epochs"), 1, Integer.MAX_VALUE, "the warmup length");
        double from = a.number("from", lr / 10);
        if (from < 0) error(a.span("from", null), "from must not be negative", null);
        return new TrainingPlan.Stage(k, steps, new double[] {length, from}, "");
      }
      case "plateau" -> {
        Args a = args(c.arguments(), span, k, "monitor", "patience", "factor", "min", "threshold");
        String monitor = monitor(a, "val_loss", span);
        int patience = a.has("patience") ? integer(a.get("patience"), 0, 1_000_000, "patience (epochs)") : 10;
        double factor = a.number("factor", 0.1);
        if (factor <= 0 || factor >= 1) error(a.span("factor", null), "factor must be in (0, 1), got " + Num.fmt(factor), "e.g. factor: 0.5");
        double threshold = a.number("threshold", 1e-4);
        return new TrainingPlan.Stage(k, false, new double[] {patience, factor, minRate(a, lr), threshold}, monitor);
      }
      default -> {
        error(span, "unknown schedule '" + k + "'", suggest(k, SCHEDULES, "the schedules are " + String.join(", ", SCHEDULES)));
        return null;
      }
    }
  }

  private boolean unit(Args a) {
    if (!a.has("unit")) return false;
    if (a.get("unit") instanceof Ast.Name n && (n.name().equals("step") || n.name().equals("epoch"))) return n.name().equals("step");
    error(a.get("unit").span(), "unit is epoch or step", "e.g.  cosine(min: 1e-5, unit: step)");
    return false;
  }

  private double gamma(Args a, double dflt) {
    double g = a.number("gamma", dflt);
    if (g <= 0 || g > 1) error(a.span("gamma", null), "gamma, the factor the rate is multiplied by, must be in (0, 1], got " + Num.fmt(g), "e.g. gamma: 0.5");
    return g;
  }

  private double minRate(Args a, double lr) {
    double m = a.number("min", 0);
    if (m < 0 || m > lr) error(a.span("min", null), "min must be between 0 and the optimizer's lr (" + Num.fmt(lr) + "), got " + Num.fmt(m), null);
    return m;
  }

  private Model.Optimizer optimizer(Ast.Expr e, int line) {
    if (e == null) return null;
    Callee callee = callee(e, "the optimizer must be a name or a call", "e.g.  optimizer adam(lr: 1e-3)");
    if (callee == null) return null;
    String name = callee.name();
    List<Ast.Arg> args = callee.arguments();
    switch (name) {
      case "sgd", "momentum", "nesterov" -> {
        Args a = args(args, e.span(), name, "lr", "momentum", "nesterov");
        double mu = a.number("momentum", name.equals("sgd") ? 0 : 0.9);
        boolean nesterov = a.has("nesterov") ? bool(a.get("nesterov")) : name.equals("nesterov");
        if (mu < 0 || mu >= 1) error(a.span("momentum", e), "momentum must be in [0, 1), got " + Num.fmt(mu), "the usual value is 0.9");
        if (nesterov && mu == 0) error(e.span(), "Nesterov momentum needs a momentum above 0", "e.g.  sgd(lr: 0.05, momentum: 0.9, nesterov: true)");
        return new Model.Optimizer(Model.Optimizer.Kind.SGD, positive(a, "lr", 0.01), mu, nesterov, 0, 0, 0, 0, 0, line);
      }
      case "adagrad" -> {
        Args a = args(args, e.span(), name, "lr", "eps");
        return new Model.Optimizer(Model.Optimizer.Kind.ADAGRAD, positive(a, "lr", 0.01), 0, false, 0, 0, 0, positive(a, "eps", 1e-8), 0, line);
      }
      case "rmsprop" -> {
        Args a = args(args, e.span(), name, "lr", "alpha", "eps", "rho");
        if (a.has("alpha") && a.has("rho")) error(a.span("rho", e), "rho and alpha are the same setting", "give one of them");
        double alpha = a.has("rho") ? a.number("rho", 0.99) : a.number("alpha", 0.99);
        if (alpha < 0 || alpha >= 1) error(e.span(), "the decay alpha (rho) must be in [0, 1), got " + Num.fmt(alpha), "the usual value is 0.99");
        return new Model.Optimizer(Model.Optimizer.Kind.RMSPROP, positive(a, "lr", 0.01), 0, false, 0, 0, alpha, positive(a, "eps", 1e-8), 0, line);
      }
      case "adam", "adamw" -> {
        boolean w = name.equals("adamw");
        Args a = w ? args(args, e.span(), name, "lr", "beta1", "beta2", "eps", "weight_decay") : args(args, e.span(), name, "lr", "beta1", "beta2", "eps");
        double b1 = a.number("beta1", 0.9), b2 = a.number("beta2", 0.999), eps = a.number("eps", 1e-8), decay = a.number("weight_decay", 0.01);
        if (b1 < 0 || b1 >= 1) error(a.span("beta1", e), "beta1 must be in [0, 1), got " + Num.fmt(b1), "the usual value is 0.9");
        if (b2 < 0 || b2 >= 1) error(a.span("beta2", e), "beta2 must be in [0, 1), got " + Num.fmt(b2), "the usual value is 0.999");
        if (eps <= 0) error(a.span("eps", e), "eps must be positive", "the usual value is 1e-8");
        if (decay < 0) error(a.span("weight_decay", e), "weight_decay must not be negative", "AdamW's usual value is 0.01");
        return new Model.Optimizer(w ? Model.Optimizer.Kind.ADAMW : Model.Optimizer.Kind.ADAM, positive(a, "lr", 1e-3), 0, false, b1, b2, 0, eps,
            w ? decay : 0, line);
      }
      default -> {
        List<String> known = List.of("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw");
        error(e.span(), "unknown optimizer '" + name + "'", suggest(name, known, "the optimizers are " + String.join(", ", known)));
        return null;
      }
    }
  }

  private double positive(Args a, String key, double dflt) {
    double v = a.number(key, dflt);
    if (v <= 0 || !Double.isFinite(v)) error(a.span(key, null), key + " must be a positive number, got " + Num.fmt(v), "e.g. " + key + ": " + Num.fmt(dflt));
    return v;
  }

  // ====================================================================== data

  private TrainingPlan.Data data(Ast.Block block) {
    if (block == null) return new TrainingPlan.Data("", null, null, 1, 0, false, 0, Preprocessor.Spec.NONE, List.of());
    String dir = "";
    TrainingPlan.Source train = null, test = null;
    double scale = 1, validation = 0;
    boolean stratify = false;
    int folds = 0;
    Preprocessor.Spec preprocess = Preprocessor.Spec.NONE;
    List<TrainingPlan.Augment> augment = new ArrayList<>();
    Span foldsSpan = null, validationSpan = null;
    Set<String> seen = new HashSet<>();
    for (Ast.Setting s : block.settings()) {
      if (!seen.add(s.key())) error(s.keySpan(), "'" + s.key() + "' is set twice", "keep one");
      switch (s.key()) {
        case "dir" -> {
          Ast.Expr e = single(s);
          if (e instanceof Ast.Str str) dir = str.value();
          else if (e != null) error(e.span(), "dir takes a folder in quotes", "e.g.  dir \"/usr/share/datasets/fashion-mnist\"");
        }
        case "train" -> train = source(single(s));
        case "test" -> test = source(single(s));
        case "scale" -> {
          Double v = number(single(s));
          if (v != null && (v <= 0 || !Double.isFinite(v))) error(s.span(), "scale must be positive", "e.g.  scale 1/255");
          if (v != null) scale = v;
        }
        case "validation" -> {
          Ast.Expr e = single(s);
          Double v = number(e);
          if (v != null && (v < 0 || v >= 1)) error(e.span(), "validation is the fraction of training data held out, in [0, 1); got " + Num.fmt(v), "e.g.  validation 0.1");
          if (v != null) validation = v;
          validationSpan = s.span();
        }
        case "stratify" -> stratify = bool(single(s));
        case "folds" -> {
          folds = integer(single(s), 2, 1000, "the number of folds");
          foldsSpan = s.span();
        }
        case "preprocess" -> preprocess = preprocess(single(s));
        case "augment" -> {
          if (s.arguments().isPresent()) error(s.keySpan(), "augment takes its augmentations as values", "e.g.  augment crop(pad: 2), mirror");
          for (Ast.Expr e : s.values()) {
            TrainingPlan.Augment a = augmentation(e);
            if (a != null) augment.add(a);
          }
        }
        default -> {
          if (DATA_LATER.contains(s.key())) later(s.keySpan(), "'" + s.key() + "'", "the data pipeline (preprocessing, augmentation, folds)");
          else error(s.keySpan(), "unknown data setting '" + s.key() + "'", suggest(s.key(), DATA, "the data block has: " + String.join(", ", DATA)));
        }
      }
    }
    if (folds > 0 && validation > 0) {
      error(foldsSpan, "folds and validation both hold data out; use one", "folds k validates on each fold in turn; validation f holds out one part");
    }
    if (validationSpan == null && stratify && folds == 0) warning(block.span(), "stratify has no effect without validation or folds", null);
    return new TrainingPlan.Data(dir, train, test, scale, validation, stratify, folds, preprocess, List.copyOf(augment));
  }

  private Preprocessor.Spec preprocess(Ast.Expr e) {
    if (e == null) return Preprocessor.Spec.NONE;
    Callee c = callee(e, "preprocess takes a name such as standardize, or pca(k: 50)", null);
    if (c == null) return Preprocessor.Spec.NONE;
    switch (c.name()) {
      case "none", "center", "standardize" -> {
        args(c.arguments(), e.span(), c.name());
        return new Preprocessor.Spec(c.name(), 0, 0);
      }
      case "pca", "whiten", "zca" -> {
        Args a = c.name().equals("zca") ? args(c.arguments(), e.span(), c.name(), "eps") : args(c.arguments(), e.span(), c.name(), "k", "eps");
        int k = a.has("k") ? integer(a.get("k"), 1, MAX_UNITS, "k, the number of components") : 0;
        if (c.name().equals("pca") && !a.has("k")) error(e.span(), "pca needs k, the number of components to keep", "e.g.  preprocess pca(k: 50)");
        double eps = a.number("eps", 1e-5);
        if (eps < 0) error(a.span("eps", e), "eps must not be negative", null);
        return new Preprocessor.Spec(c.name(), k, eps);
      }
      default -> {
        error(e.span(), "unknown preprocessing '" + c.name() + "'", suggest(c.name(), PREPROCESS, "the choices are " + String.join(", ", PREPROCESS)));
        return Preprocessor.Spec.NONE;
      }
    }
  }

  private TrainingPlan.Augment augmentation(Ast.Expr e) {
    Callee c = callee(e, "an augmentation is a name or a call such as crop(pad: 2)", null);
    if (c == null) return null;
    switch (c.name()) {
      case "mirror" -> {
        args(c.arguments(), e.span(), c.name());
        imageNeeded.add(e.span());
        return new TrainingPlan.Augment("mirror", 0);
      }
      case "noise", "crop", "rotate", "zoom" -> {
        String param = switch (c.name()) {
          case "noise" -> "std";
          case "crop" -> "pad";
          case "rotate" -> "degrees";
          default -> "amount";
        };
        Args a = args(c.arguments(), e.span(), c.name(), param);
        if (!a.has(param)) {
          error(e.span(), c.name() + " needs its " + param, "e.g.  " + c.name() + "(" + param + ": " + switch (c.name()) {
            case "noise" -> "0.05";
            case "crop" -> "2";
            case "rotate" -> "10";
            default -> "0.1";
          } + ")");
          return null;
        }
        double v = c.name().equals("crop") ? integer(a.get(param), 1, 1000, "pad") : a.number(param, 0);
        if (v <= 0) error(a.span(param, e), param + " must be positive", null);
        if (c.name().equals("zoom") && v >= 1) error(a.span(param, e), "zoom's amount is a fraction below 1 (0.1: from 90% to 110%)", null);
        if (!c.name().equals("noise")) imageNeeded.add(e.span());
        return new TrainingPlan.Augment(c.name(), v);
      }
      default -> {
        error(e.span(), "unknown augmentation '" + c.name() + "'", suggest(c.name(), AUGMENT, "the augmentations are " + String.join(", ", AUGMENT)));
        return null;
      }
    }
  }

  private TrainingPlan.Source source(Ast.Expr e) {
    if (!(e instanceof Ast.Call c)) {
      if (e != null) error(e.span(), "a data source is idx(\"images\", \"labels\") or csv(\"file.csv\")", null);
      return null;
    }
    switch (c.name()) {
      case "idx" -> {
        Args a = args(c.arguments(), c.nameSpan(), "idx", "images", "labels");
        String images = string(a.get("images")), labels = string(a.get("labels"));
        if (!a.has("images") || !a.has("labels")) {
          error(c.span(), "idx needs two files: images and labels", "e.g.  idx(\"train-images-idx3-ubyte.gz\", \"train-labels-idx1-ubyte.gz\")");
          return null;
        }
        return images == null || labels == null ? null : new TrainingPlan.Source("idx", List.of(images, labels), Map.of());
      }
      case "csv" -> {
        Args a = args(c.arguments(), c.nameSpan(), "csv", "path", "label", "header", "class_names");
        String path = string(a.get("path"));
        if (path == null) {
          if (!a.has("path")) error(c.span(), "csv needs a file", "e.g.  csv(\"iris.csv\", label: \"species\")");
          return null;
        }
        Map<String, String> options = new TreeMap<>();
        if (a.has("label")) {
          Ast.Expr l = a.get("label");
          if (l instanceof Ast.Str str) options.put("label", str.value());
          else {
            Double v = number(l);
            if (v != null) options.put("label", Long.toString(Math.round(v)));
          }
        }
        if (a.has("header")) options.put("header", Boolean.toString(bool(a.get("header"))));
        if (a.has("class_names")) options.put("class_names", Boolean.toString(bool(a.get("class_names"))));
        return new TrainingPlan.Source("csv", List.of(path), options);
      }
      case "npy" -> {
        Args a = args(c.arguments(), c.nameSpan(), "npy", "features", "labels");
        String f = string(a.get("features")), l = string(a.get("labels"));
        if (!a.has("features") || !a.has("labels")) {
          error(c.span(), "npy needs two files: features and labels", "e.g.  npy(\"x.npy\", \"y.npy\")");
          return null;
        }
        return f == null || l == null ? null : new TrainingPlan.Source("npy", List.of(f, l), Map.of());
      }
      case "npz" -> {
        Args a = args(c.arguments(), c.nameSpan(), "npz", "path", "x", "y");
        String path = string(a.get("path"));
        if (path == null) {
          if (!a.has("path")) error(c.span(), "npz needs a file", "e.g.  npz(\"data.npz\", x: \"x_train\", y: \"y_train\")");
          return null;
        }
        String x = a.has("x") ? string(a.get("x")) : "x", y = a.has("y") ? string(a.get("y")) : "y";
        return new TrainingPlan.Source("npz", List.of(path), Map.of("x", x == null ? "x" : x, "y", y == null ? "y" : y));
      }
      default -> {
        error(c.nameSpan(), "unknown data format '" + c.name() + "'", suggest(c.name(), List.of("idx", "csv", "npy", "npz"), "the formats are idx, csv, npy and npz"));
        return null;
      }
    }
  }

  // ====================================================================== values

  /** Named and positional arguments matched against a parameter list. */
  private final class Args {
    private final Map<String, Ast.Arg> byName = new LinkedHashMap<>();

    Args(List<Ast.Arg> args, Span where, String op, String... params) {
      int positional = 0;
      boolean named = false;
      for (Ast.Arg a : args) {
        String key;
        if (a.name().isPresent()) {
          named = true;
          key = a.name().get().name();
          if (!Arrays.asList(params).contains(key)) {
            error(a.name().get().span(), op + " has no option '" + key + "'", params.length == 0 ? op + " takes no options"
                : suggest(key, Arrays.asList(params), op + " takes: " + String.join(", ", params)));
            continue;
          }
        } else {
          if (named) {
            error(a.span(), "a positional value after a named one", "write positional values first");
            continue;
          }
          if (positional >= params.length) {
            error(a.span(), op + (params.length == 0 ? " takes no values" : " takes at most " + params.length + " value" + (params.length == 1 ? "" : "s") + " (" + String.join(", ", params) + ")"), null);
            continue;
          }
          key = params[positional++];
        }
        if (byName.put(key, a) != null) error(a.span(), "'" + key + "' is given twice", null);
      }
    }

    boolean has(String key) {
      return byName.containsKey(key);
    }

    Ast.Expr get(String key) {
      Ast.Arg a = byName.get(key);
      return a == null ? null : a.value();
    }

    Span span(String key, Ast.Expr fallback) {
      Ast.Arg a = byName.get(key);
      return a != null ? a.span() : fallback != null ? fallback.span() : new Span(1, 1, 1);
    }

    double number(String key, double dflt) {
      if (!has(key)) return dflt;
      Double v = Analyzer.this.number(get(key));
      return v == null ? dflt : v;
    }
  }

  /** {@code name} or {@code name(arguments)}: an operation with its arguments; null (after an error) for anything else. */
  private record Callee(String name, List<Ast.Arg> arguments) {}

  private Callee callee(Ast.Expr e, String message, String hint) {
    if (e instanceof Ast.Name n) return new Callee(n.name(), List.of());
    if (e instanceof Ast.Call c) return new Callee(c.name(), c.arguments());
    error(e.span(), message, hint);
    return null;
  }

  private Args args(List<Ast.Arg> args, Span where, String op, String... params) {
    return new Args(args, where, op, params);
  }

  private Ast.Expr single(Ast.Setting s) {
    if (s.arguments().isPresent()) {
      error(s.keySpan(), "'" + s.key() + "' is followed by a value, not by ( )", "e.g.  " + s.key() + " 64");
      return null;
    }
    if (s.values().size() != 1) {
      error(s.span(), "'" + s.key() + "' takes " + (s.values().isEmpty() ? "a value" : "one value, not " + s.values().size()), null);
      return null;
    }
    Ast.Expr e = s.values().get(0);
    if (e instanceof Ast.Then t) {
      if (!s.key().equals("schedule")) error(t.span(), "'then' joins schedule stages only", null);
      else later(t.span(), "chained schedules", "schedules");
      return null;
    }
    return e;
  }

  /** Evaluates a constant expression: numbers, let names, + - * /. */
  private Double number(Ast.Expr e) {
    if (e == null) return null;
    if (e instanceof Ast.Num n) return n.value();
    if (e instanceof Ast.Negate n) {
      Double v = number(n.operand());
      return v == null ? null : -v;
    }
    if (e instanceof Ast.Name n) {
      Double v = lets.get(n.name());
      if (v == null) error(n.span(), "'" + n.name() + "' is not a number or a defined 'let' name",
          suggest(n.name(), new ArrayList<>(lets.keySet()), "define it first:  let " + n.name() + " = ..."));
      return v;
    }
    if (e instanceof Ast.Binary b) {
      Double l = number(b.left()), r = number(b.right());
      if (l == null || r == null) return null;
      if (b.op() == '/' && r == 0) {
        error(b.span(), "division by zero", null);
        return null;
      }
      double v = switch (b.op()) {
        case '+' -> l + r;
        case '-' -> l - r;
        case '*' -> l * r;
        default -> l / r;
      };
      if (!Double.isFinite(v)) {
        error(b.span(), "the value is not a finite number", null);
        return null;
      }
      return v;
    }
    error(e.span(), "expected a number", null);
    return null;
  }

  private int integer(Ast.Expr e, long min, long max, String what) {
    Double v = number(e);
    if (v == null) return (int) Math.max(min, 1);
    if (v != Math.rint(v)) {
      error(e.span(), what + " must be a whole number, got " + Num.fmt(v), null);
      return (int) Math.max(min, 1);
    }
    if (v < min || v > max) {
      error(e.span(), what + " must be between " + min + " and " + max + ", got " + Num.fmt(v), null);
      return (int) Math.max(min, 1);
    }
    return (int) (double) v;
  }

  private boolean bool(Ast.Expr e) {
    if (e instanceof Ast.Name n && (n.name().equals("true") || n.name().equals("false"))) return n.name().equals("true");
    if (e != null) error(e.span(), "expected true or false", null);
    return false;
  }

  private String string(Ast.Expr e) {
    if (e == null) return null;
    if (e instanceof Ast.Str s) {
      if (s.value().isEmpty()) error(s.span(), "the path is empty", null);
      if (s.value().indexOf('\0') >= 0) error(s.span(), "the path contains a NUL character", null);
      return s.value();
    }
    error(e.span(), "expected a file path in double quotes", "e.g.  \"data/train.csv\"");
    return null;
  }

  // ====================================================================== reporting

  private void error(Span span, String message, String hint) {
    errors.add(Diagnostic.error(src, span, message, hint));
  }

  private void warning(Span span, String message, String hint) {
    warnings.add(Diagnostic.warning(src, span, message, hint));
  }

  private void later(Span span, String what, String feature) {
    error(span, what + " is not supported yet", "the language has it; its compilation comes with " + feature);
  }

  /** "did you mean X?" for a close name, else {@code fallback}. */
  static String suggest(String word, Collection<String> known, String fallback) {
    String best = null;
    int bestD = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(word.toLowerCase(Locale.ROOT), k);
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    return best != null && bestD <= Math.max(1, Math.min(2, word.length() / 3)) ? "did you mean '" + best + "'?" : fallback;
  }

  /** Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment): rleu → relu is 1. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) d[i][0] = i;
    for (int j = 0; j <= b.length(); j++) d[0][j] = j;
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j], d[i][j - 1]) + 1, d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  private static String capital(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}

package dev.nnet.analysis;

import dev.nnet.runtime.FileAccess;
import dev.nnet.runtime.Precision;
import dev.nnet.runtime.Preprocessor;
import dev.nnet.runtime.TrainingPlan;
import dev.nnet.syntax.Ast;
import dev.nnet.syntax.CompileException;
import dev.nnet.syntax.Diagnostic;
import dev.nnet.syntax.Printer;
import dev.nnet.syntax.SourceFile;
import dev.nnet.syntax.Span;
import java.util.*;

/**
 * Syntax tree to checked {@link Model}: resolves names and {@code let} values, fills defaults, infers
 * every shape, and checks placement. All errors found are reported together, each with its position and
 * a hint. Constructs the language has but this version cannot compile yet are errors that say so.
 *
 * <p>This class reads the file's top level (model, input, loss, precision, let) and runs the stages, each a
 * class of its own over one shared {@link Values.State}: {@link NetworkChecks}, {@link TrainingChecks},
 * {@link DataChecks}, and the teaching warnings of {@link Lints}.
 */
public final class Analyzer extends Values {
  private static final List<String> TOP_LEVEL = List.of("model", "input", "loss", "precision", "network", "training", "data", "let", "search", "freeze", "unfreeze", "from");
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

  private final NetworkChecks networkChecks = new NetworkChecks(state);
  private final TrainingChecks trainingChecks = new TrainingChecks(state);
  private final DataChecks dataChecks = new DataChecks(state);
  private final Lints lints = new Lints(state);
  private final TransferChecks transferChecks = new TransferChecks(state);

  private Analyzer(SourceFile src, FileAccess fileAccess) {
    super(new State(src, fileAccess));
  }

  /** Checks a parsed file; throws {@link CompileException} listing every error found. */
  public static Model analyze(Ast.File file) {
    return analyze(file, FileAccess.ownFolder());
  }

  /** Checks a parsed file whose paths may only name what {@code fileAccess} allows. */
  public static Model analyze(Ast.File file, FileAccess fileAccess) {
    return new Analyzer(file.source(), fileAccess).run(file);
  }

  // ====================================================================== the file

  private Model run(Ast.File written) {
    Ast.File file = Expansion.expand(written, state.fileAccess);
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
    Model.Mixed mixed = Model.Mixed.NONE;
    Ast.Block training = null, data = null;
    List<Ast.FromLoad> transfers = new ArrayList<>();
    List<Ast.Setting> freezes = new ArrayList<>();
    List<Ast.Unfreeze> unfreezes = new ArrayList<>();
    for (Ast.Item item : file.items()) {
      if (item instanceof Ast.Let let) {
        let(let);
      } else if (item instanceof Ast.Network n) {
        if (network != null) error(n.span(), "a second network block", "a file describes one network; merge the blocks");
        network = n;
      } else if (item instanceof Ast.FromLoad f) {
        transfers.add(f);
      } else if (item instanceof Ast.Unfreeze u) {
        unfreezes.add(u);
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
            loss = networkChecks.loss(s);
            lossSeen = true;
          }
          case "precision" -> {
            mixed = mixed(s);
            precision = mixed == Model.Mixed.NONE ? precision(s) : Precision.FLOAT32;
          }
          case "search" -> { } // read by SearchSpec (below): a plain training ignores it
          case "freeze" -> freezes.add(s);
          case "unfreeze" -> error(s.span(), "unfreeze needs the epoch from which the layers learn", "e.g.  unfreeze " + (s.values().isEmpty() ? "hidden" : Printer.expr(s.values().get(0))) + " at epoch 3");
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
    TrainingChecks.Training t = trainingChecks.training(training);
    TrainingPlan.Data d = dataChecks.data(data);
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

    List<Op> layers = networkChecks.layers(network, input, d.preprocess());
    failOnErrors();
    networkChecks.checkMemory(network, layers, t, precision, d.preprocess().outputSize(Math.toIntExact(NetworkChecks.product(input))));
    networkChecks.checkClassSize(network, layers);
    failOnErrors();
    state.batchSize = t.batch();
    networkChecks.checkLoss(loss, layers);
    lints.check(loss, layers);
    failOnErrors();

    layers = transferChecks.freeze(freezes, layers);
    List<TrainingPlan.Unfreeze> phases = transferChecks.unfreeze(unfreezes, layers, t.epochs());
    layers = transferChecks.thawed(phases, layers);
    List<TrainingPlan.Transfer> loads = transferChecks.transfers(transfers, layers);
    failOnErrors();

    searchChecks(written, d);
    failOnErrors();

    String className = name != null ? name : defaultName();
    TrainingPlan plan = new TrainingPlan(t.epochs(), t.seed(), t.shuffle(), t.optimizer().lr(), t.optimizer().describe(), d, t.schedule(),
        t.stopping(), t.checkpointEvery(), List.copyOf(loads), List.copyOf(phases)).withReport(t.report());
    return new Model(className, src, input, List.copyOf(layers), loss, t.optimizer(), t.batch(), precision, plan, t.regularization(), List.copyOf(warnings),
        Map.copyOf(networkChecks.origins), mixed);
  }


  /**
   * The search's own mistakes (domains, strategy), a searched let that nothing uses, and a search measured on
   * validation data that the data block does not set aside. Whether each domain fits its use is checked by
   * {@code nnet search}, which analyzes the file with the domain's extremes written in.
   */
  private void searchChecks(Ast.File file, TrainingPlan.Data d) {
    SearchSpec spec = SearchSpec.read(file, src, errors);
    if (!spec.searches()) return;
    String code = src.text().replaceAll("#[^\n]*", "");
    for (SearchSpec.Param p : spec.params()) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?<![\\w.])" + java.util.regex.Pattern.quote(p.name()) + "(?![\\w])").matcher(code);
      int uses = 0;
      while (m.find()) uses++;
      if (uses < 2) error(p.nameSpan(), "'" + p.name() + "' is searched but nothing uses it", "use it in the file (dense(" + p.name() + "), lr: " + p.name() + "), or remove the let");
    }
    if (spec.strategy().metric().startsWith("val_") && d.validation() <= 0 && d.folds() <= 0) {
      error(spec.line() != null ? spec.line() : spec.params().get(0).domainSpan(), "the search is measured on " + spec.strategy().metric()
          + " but the data block sets no validation data aside", "add  validation 0.1  to the data block (the test split stays untouched by the search)");
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
        default: break;
      }
    }
    error(e == null ? s.span() : e.span(), "unknown precision", "write  precision float32  (the default), float64, mixed(bf16) or mixed(fp16)");
    return Precision.FLOAT32;
  }

  /** {@code mixed(bf16)} or {@code mixed(fp16)}; NONE for anything else (which {@link #precision} then reads). */
  private Model.Mixed mixed(Ast.Setting s) {
    Ast.Expr e = single(s);
    boolean bare = e instanceof Ast.Name n && n.name().equals("mixed");
    if (!bare && !(e instanceof Ast.Call c && c.name().equals("mixed"))) return Model.Mixed.NONE;
    String hint = "write  precision mixed(bf16)  (no loss scaling needed) or  precision mixed(fp16)  (with dynamic loss scaling)";
    if (bare || ((Ast.Call) e).arguments().size() != 1 || ((Ast.Call) e).arguments().get(0).name().isPresent()
        || !(((Ast.Call) e).arguments().get(0).value() instanceof Ast.Name f)) {
      error(e.span(), "mixed precision needs its 16-bit format", hint);
      return Model.Mixed.BF16;
    }
    switch (f.name()) {
      case "bf16": return Model.Mixed.BF16;
      case "fp16": return Model.Mixed.FP16;
      default:
        error(f.span(), "unknown 16-bit format '" + f.name() + "'", hint);
        return Model.Mixed.BF16;
    }
  }

  private void let(Ast.Let let) {
    // a searched let trains with its own value; SearchSpec reads the domain
    Double v = number(let.value());
    if (lets.containsKey(let.name())) error(let.nameSpan(), "'" + let.name() + "' is already defined", "give each 'let' its own name");
    if (v != null) lets.put(let.name(), v);
  }
}

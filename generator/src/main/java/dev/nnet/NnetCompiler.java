package dev.nnet;

import com.squareup.javapoet.JavaFile;
import dev.nnet.analysis.Analyzer;
import dev.nnet.analysis.Model;
import dev.nnet.compile.JaninoCompiler;
import dev.nnet.compile.VectorSupport;
import dev.nnet.emit.EmitOptions;
import dev.nnet.emit.NetworkEmitter;
import dev.nnet.layout.Layout;
import dev.nnet.runtime.Network;
import dev.nnet.runtime.FileAccess;
import dev.nnet.runtime.Precision;
import dev.nnet.runtime.Trainer;
import dev.nnet.syntax.Ast;
import dev.nnet.syntax.CompileException;
import dev.nnet.syntax.Parsing;
import dev.nnet.syntax.SourceFile;
import java.nio.file.Path;
import java.util.Map;

/**
 * The pipeline, one stage after another: text → syntax tree → checked model → layout → Java source →
 * class. Each step is available on its own ({@link #check}, {@link #generate}, {@link #compile}).
 *
 * <pre>{@code
 * NnetCompiler compiler = NnetCompiler.defaults();          // Vector API when the JVM has it
 * NnetCompiler.Compiled c = compiler.compile(SourceFile.read(Path.of("model.nnet")));
 * Trainer trainer = c.newTrainer();
 * }</pre>
 */
public final class NnetCompiler {

  /** Which kernels to emit. */
  public enum Kernels { AUTO, VECTOR, PLAIN }

  private final Kernels kernels;
  private final String packageName;
  private final Precision precision;
  private final int maxBatch;
  private final FileAccess fileAccess; // null: the file's folder and absolute paths for a file, nothing for text from memory
  private final Limits limits;
  private final Model.Mixed mixed; // null: as the file says
  private final boolean asArguments;

  private NnetCompiler(Kernels kernels, String packageName, Precision precision, int maxBatch, FileAccess fileAccess, Limits limits,
                       Model.Mixed mixed, boolean asArguments) {
    this.mixed = mixed;
    this.asArguments = asArguments;
    this.kernels = kernels;
    this.packageName = packageName;
    this.precision = precision;
    this.maxBatch = maxBatch;
    this.fileAccess = fileAccess;
    this.limits = limits;
  }

  /**
   * Limits on untrusted text, each refused at check with the figure, before anything is allocated or generated.
   *
   * @param maxSourceLength characters of .nnet text
   * @param maxNesting      brackets within brackets (at most {@link dev.nnet.syntax.Parsing#MAX_NESTING} in any case)
   * @param maxLayers       operations in the network, activations included
   * @param maxParameters   learnable parameters
   * @param maxActivations  values of one batch's layer outputs, all layers together
   */
  public record Limits(int maxSourceLength, int maxNesting, int maxLayers, long maxParameters, long maxActivations) {
    /** Only the limits every file has (nesting 64, the class file, the heap). */
    public static final Limits NONE = new Limits(Integer.MAX_VALUE, Parsing.MAX_NESTING, Integer.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);

    /** A starting point for a service compiling strangers' text: small networks, quickly checked. */
    public static Limits untrusted() {
      return new Limits(100_000, 16, 200, 10_000_000, 50_000_000);
    }
  }

  /** Vector API kernels when this JVM has the module, plain Java otherwise; the file's precision. */
  public static NnetCompiler defaults() {
    return new NnetCompiler(Kernels.AUTO, EmitOptions.DEFAULT_PACKAGE, null, 0, null, Limits.NONE, null, false);
  }

  public NnetCompiler kernels(Kernels k) {
    return new NnetCompiler(k, packageName, precision, maxBatch, fileAccess, limits, mixed, asArguments);
  }

  public NnetCompiler packageName(String pkg) {
    if (!pkg.isEmpty() && !javax.lang.model.SourceVersion.isName(pkg)) {
      throw new dev.nnet.runtime.NnetException("'" + pkg + "' is not a Java package name" + (pkg.matches("[\\w.]+") ? " (a part of it is a Java keyword)" : ""),
          "e.g. com.example.models");
    }
    return new NnetCompiler(kernels, pkg, precision, maxBatch, fileAccess, limits, mixed, asArguments);
  }

  /** Overrides the file's precision (gradient checks compile any model in float64). */
  public NnetCompiler precision(Precision p) {
    return new NnetCompiler(kernels, packageName, p, maxBatch, fileAccess, limits, p == Precision.FLOAT64 ? Model.Mixed.NONE : mixed, asArguments);
  }

  /**
   * Overrides the file's precision with its written form: float32, float64, mixed(bf16) or mixed(fp16)
   * (the CLI's --precision).
   */
  public NnetCompiler precision(String text) {
    return switch (text) {
      case "float32" -> new NnetCompiler(kernels, packageName, Precision.FLOAT32, maxBatch, fileAccess, limits, Model.Mixed.NONE, asArguments);
      case "float64" -> new NnetCompiler(kernels, packageName, Precision.FLOAT64, maxBatch, fileAccess, limits, Model.Mixed.NONE, asArguments);
      case "mixed(bf16)" -> new NnetCompiler(kernels, packageName, Precision.FLOAT32, maxBatch, fileAccess, limits, Model.Mixed.BF16, asArguments);
      case "mixed(fp16)" -> new NnetCompiler(kernels, packageName, Precision.FLOAT32, maxBatch, fileAccess, limits, Model.Mixed.FP16, asArguments);
      default -> throw new IllegalArgumentException("unknown precision '" + text + "': float32, float64, mixed(bf16) or mixed(fp16)");
    };
  }

  /** Compiles with at most {@code n} rows per batch (gradient checks: fewer rows, fewer ReLU kinks crossed). */
  public NnetCompiler maxBatch(int n) {
    return new NnetCompiler(kernels, packageName, precision, n, fileAccess, limits, mixed, asArguments);
  }

  /** The .nnet text may name files under {@code root} only (after resolving {@code ..} and links); see {@link FileAccess}. */
  public NnetCompiler fileRoot(Path root) {
    return fileAccess(FileAccess.under(root));
  }

  /** The .nnet text may name no file at all: data comes from Java ({@code Trainer.fit(train, validation, test)}). */
  public NnetCompiler noFileAccess() {
    return fileAccess(FileAccess.none());
  }

  public NnetCompiler fileAccess(FileAccess access) {
    return new NnetCompiler(kernels, packageName, precision, maxBatch, access, limits, mixed, asArguments);
  }

  /**
   * Compiles for a hyperparameter search: the training plan and the hyperparameters that change no shape
   * (dropout rates, the optimizer's constants, regularization) become constructor arguments instead of literals,
   * so trials differing only in them generate the same source and share one compiled class (classes are cached
   * by source). The trainer is a little slower than one with every value a literal.
   */
  public NnetCompiler forSearch() {
    return new NnetCompiler(kernels, packageName, precision, maxBatch, fileAccess, limits, mixed, true);
  }

  /** Refuses, at check, text beyond these limits (see {@link Limits#untrusted()}). */
  public NnetCompiler limits(Limits l) {
    return new NnetCompiler(kernels, packageName, precision, maxBatch, fileAccess, l, mixed, asArguments);
  }

  /** The file access for {@code source}: the one set, else its folder and absolute paths for a file, nothing for text. */
  public FileAccess fileAccessFor(SourceFile source) {
    if (fileAccess != null) return fileAccess;
    return source.directory() == null ? FileAccess.none() : FileAccess.ownFolder();
  }

  /** Parses and checks; the model lists its warnings. Throws {@link CompileException} with positioned errors. */
  public Model check(SourceFile source) {
    if (source.text().length() > limits.maxSourceLength()) {
      throw new CompileException(dev.nnet.syntax.Diagnostic.error(source, new dev.nnet.syntax.Span(1, 1, 1),
          "the text has " + source.text().length() + " characters; this compiler accepts at most " + limits.maxSourceLength(), "shorten the file"));
    }
    Ast.File tree = Parsing.parse(source, limits.maxNesting());
    Model m = Analyzer.analyze(tree, fileAccessFor(source));
    checkLimits(m);
    Precision p = precision != null ? precision : m.precision();
    int batch = maxBatch > 0 ? Math.min(maxBatch, m.batchSize()) : m.batchSize();
    Model out = m.withPrecision(p).withBatchSize(batch);
    return mixed == null ? out : out.withMixed(mixed);
  }

  /** The limits on layers, parameters and activations, positioned at the layer where a total crosses its limit. */
  private void checkLimits(Model m) {
    if (limits == Limits.NONE) return;
    long params = 0, activations = 0;
    for (int i = 0; i < m.layers().size(); i++) {
      dev.nnet.analysis.Op op = m.layers().get(i);
      params += op.parameterCount();
      activations += (long) m.batchSize() * op.outputSize();
      String problem = i + 1 > limits.maxLayers() ? "the network has more than " + limits.maxLayers() + " layers"
          : params > limits.maxParameters() ? "the network has " + params + " parameters by here, more than the " + limits.maxParameters() + " allowed"
          : activations > limits.maxActivations() ? "a batch's layer outputs hold " + activations + " values by here, more than the "
              + limits.maxActivations() + " allowed" : null;
      if (problem != null) {
        dev.nnet.syntax.Span at = m.origins().getOrDefault(op.name(), new dev.nnet.syntax.Span(op.line(), 1, 1));
        throw new CompileException(dev.nnet.syntax.Diagnostic.error(m.source(), at, problem,
            "this compiler was set up with limits for untrusted text; make the network smaller"));
      }
    }
  }

  /**
   * The generated source of a checked model. The source is generated when first asked for: a class found by
   * its compiler inputs ({@link #compile}) never needs it.
   */
  public static final class Generated {
    private final Model model;
    private final Layout layout;
    private final EmitOptions options;
    private NetworkEmitter.Emitted emitted;

    private Generated(Model model, Layout layout, EmitOptions options, NetworkEmitter.Emitted emitted) {
      this.model = model;
      this.layout = layout;
      this.options = options;
      this.emitted = emitted;
    }

    public Model model() {
      return model;
    }

    public Layout layout() {
      return layout;
    }

    /** The vector length of the kernels, or 0 for plain Java. */
    public int lanes() {
      return options.lanes();
    }

    public String className() {
      return options.packageName().isEmpty() ? model.name() : options.packageName() + "." + model.name();
    }

    public synchronized JavaFile file() {
      if (emitted == null) emitted = NetworkEmitter.emitWithArguments(model, layout, options);
      return emitted.file();
    }

    public String source() {
      return file().toString();
    }

    /** The hyperparameters the class takes as constructor arguments ({@link #forSearch}), or null. */
    public double[] arguments() {
      if (!options.asArguments()) return null;
      file();
      return emitted.arguments();
    }
  }

  public Generated generate(SourceFile source) {
    Generated g = prepare(source);
    g.file();
    return g;
  }

  /** The checked model, its layout and the emit options, the source not yet generated. */
  private Generated prepare(SourceFile source) {
    Model m = check(source);
    Layout layout = Layout.of(m);
    int lanes = switch (kernels) {
      case PLAIN -> 0;
      case VECTOR -> VectorSupport.lanes(m.precision()).orElseThrow(() -> new IllegalStateException(
          "Vector API kernels were asked for but this JVM lacks jdk.incubator.vector; start it with --add-modules jdk.incubator.vector"));
      case AUTO -> VectorSupport.lanes(m.precision()).orElse(0);
    };
    if (lanes == 0 && m.mixed() != Model.Mixed.NONE) {
      m = m.withoutMixed().withWarning(dev.nnet.syntax.Diagnostic.warning(source, new dev.nnet.syntax.Span(1, 1, 1),
          "precision " + m.precisionText() + " needs the Vector API kernels: this plain-Java trainer computes in float32 throughout",
          "start the JVM with --add-modules jdk.incubator.vector (the nnet launcher does)"));
    }
    return new Generated(m, layout, new EmitOptions(packageName, lanes, asArguments), null);
  }

  /**
   * Everything the generated source depends on, as one text: the .nnet text, where it is, every file it imports
   * with its text, and this compiler's options that shape the source (the model follows from these; the limits
   * and file access only refuse). The build of nnet and the JVM are added by the class cache. Null for a
   * search's classes, whose constructor arguments come from generating.
   */
  private String inputs(SourceFile source, Generated g) {
    if (asArguments) return null;
    StringBuilder b = new StringBuilder("nnet inputs 1\0").append(source.name()).append('\0').append(source.directory()).append('\0')
        .append(source.text());
    java.util.List<Path> imports = dev.nnet.analysis.Expansion.allImportedFiles(source);
    if (imports == null) return null; // no key is safe without every imported text
    for (Path imported : imports) {
      try {
        b.append("\0import ").append(imported.toAbsolutePath()).append('\0').append(java.nio.file.Files.readString(imported));
      } catch (java.io.IOException | RuntimeException e) {
        return null; // the check read it a moment ago; if it cannot be read now, no key is safe
      }
    }
    b.append("\0options ").append(kernels).append(' ').append(g.lanes()).append(' ').append(packageName).append(' ').append(precision)
        .append(' ').append(maxBatch).append(' ').append(mixed);
    return b.toString();
  }

  /**
   * A compiled trainer class, ready to instantiate.
   *
   * @param newClass whether Janino compiled the class for this call; false when it came from the class cache (in
   *                 memory or on disk): another compilation generated the same source
   */
  public record Compiled(Generated generated, Class<? extends Network> type, Map<String, Integer> methodSizes,
                         int classConstants, long compileMillis, Path dataDirectory, FileAccess fileAccess, boolean newClass) {

    /**
     * A fresh network. With {@link dev.nnet.runtime.TileWarmup}'s property set (the command line sets it), a
     * Vector API trainer starts on its scalar twins while a scratch network warms its tiles up.
     */
    public Network newNetwork() {
      Network net = construct();
      dev.nnet.runtime.TileWarmup.start(net, this::construct);
      return net;
    }

    private Network construct() {
      try {
        double[] args = generated.arguments();
        if (args != null) return type.getConstructor(double[].class, dev.nnet.runtime.TrainingPlan.class).newInstance(args.clone(), model().plan());
        return type.getConstructor().newInstance();
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot instantiate " + type.getName(), e);
      }
    }

    /** A trainer over a fresh network, initialized from the file's seed, reading data relative to the file. */
    public Trainer newTrainer() {
      return new Trainer(newNetwork()).dataDirectory(dataDirectory).fileAccess(fileAccess);
    }

    /**
     * The network's shapes and plan without building a network: the generated class's {@code SPEC}
     * constant (M5's trainer holds 335 MB of arrays). A search trial's class takes its hyperparameters in
     * its constructor, so for one of those a network is built.
     */
    public dev.nnet.runtime.NetworkSpec spec() {
      if (generated.arguments() == null) {
        try {
          return (dev.nnet.runtime.NetworkSpec) type.getField("SPEC").get(null);
        } catch (ReflectiveOperationException | ClassCastException e) {
          // not a class this generator wrote the constant into: build one
        }
      }
      return construct().spec();
    }

    /** The file's data, read under the compiler's file access. */
    public dev.nnet.runtime.DataLoader.Splits data() {
      return dev.nnet.runtime.DataLoader.load(spec(), dataDirectory, fileAccess);
    }

    public Model model() {
      return generated.model();
    }
  }

  public Compiled compile(SourceFile source) {
    long t0 = System.nanoTime();
    Generated g = prepare(source);
    String inputs = inputs(source, g);
    JaninoCompiler.Compiled known = inputs == null ? null : JaninoCompiler.fromInputs(g.className(), inputs);
    boolean cooked = false;
    if (known == null) {
      String text = g.source();
      JaninoCompiler.Lookup l = JaninoCompiler.lookup(g.className(), text);
      known = l.compiled();
      cooked = l.cooked();
      if (inputs != null) JaninoCompiler.linkInputs(inputs, text);
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    return new Compiled(g, known.type().asSubclass(Network.class), known.methodSizes(), known.constants(), ms, source.directory(),
        fileAccessFor(source), cooked);
  }
}

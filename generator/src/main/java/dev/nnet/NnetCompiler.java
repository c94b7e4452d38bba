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

  private NnetCompiler(Kernels kernels, String packageName, Precision precision, int maxBatch) {
    this.kernels = kernels;
    this.packageName = packageName;
    this.precision = precision;
    this.maxBatch = maxBatch;
  }

  /** Vector API kernels when this JVM has the module, plain Java otherwise; the file's precision. */
  public static NnetCompiler defaults() {
    return new NnetCompiler(Kernels.AUTO, EmitOptions.DEFAULT_PACKAGE, null, 0);
  }

  public NnetCompiler kernels(Kernels k) {
    return new NnetCompiler(k, packageName, precision, maxBatch);
  }

  public NnetCompiler packageName(String pkg) {
    if (!pkg.isEmpty() && !javax.lang.model.SourceVersion.isName(pkg)) {
      throw new dev.nnet.runtime.NnetException("'" + pkg + "' is not a Java package name" + (pkg.matches("[\\w.]+") ? " (a part of it is a Java keyword)" : ""),
          "e.g. com.example.models");
    }
    return new NnetCompiler(kernels, pkg, precision, maxBatch);
  }

  /** Overrides the file's precision (gradient checks compile any model in float64). */
  public NnetCompiler precision(Precision p) {
    return new NnetCompiler(kernels, packageName, p, maxBatch);
  }

  /** Compiles with at most {@code n} rows per batch (gradient checks: fewer rows, fewer ReLU kinks crossed). */
  public NnetCompiler maxBatch(int n) {
    return new NnetCompiler(kernels, packageName, precision, n);
  }

  /** Parses and checks; the model lists its warnings. Throws {@link CompileException} with positioned errors. */
  public Model check(SourceFile source) {
    Ast.File tree = Parsing.parse(source);
    Model m = Analyzer.analyze(tree);
    Precision p = precision != null ? precision : m.precision();
    int batch = maxBatch > 0 ? Math.min(maxBatch, m.batchSize()) : m.batchSize();
    return m.withPrecision(p).withBatchSize(batch);
  }

  /** The generated source of a checked model. */
  public record Generated(Model model, Layout layout, JavaFile file, int lanes) {
    public String className() {
      return file.packageName.isEmpty() ? file.typeSpec.name : file.packageName + "." + file.typeSpec.name;
    }

    public String source() {
      return file.toString();
    }
  }

  public Generated generate(SourceFile source) {
    Model m = check(source);
    Layout layout = Layout.of(m);
    int lanes = switch (kernels) {
      case PLAIN -> 0;
      case VECTOR -> VectorSupport.lanes(m.precision()).orElseThrow(() -> new IllegalStateException(
          "Vector API kernels were asked for but this JVM lacks jdk.incubator.vector; start it with --add-modules jdk.incubator.vector"));
      case AUTO -> VectorSupport.lanes(m.precision()).orElse(0);
    };
    return new Generated(m, layout, NetworkEmitter.emit(m, layout, new EmitOptions(packageName, lanes)), lanes);
  }

  /** A compiled trainer class, ready to instantiate. */
  public record Compiled(Generated generated, Class<? extends Network> type, Map<String, Integer> methodSizes,
                         int classConstants, long compileMillis, Path dataDirectory) {

    public Network newNetwork() {
      try {
        return type.getConstructor().newInstance();
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot instantiate " + type.getName(), e);
      }
    }

    /** A trainer over a fresh network, initialized from the file's seed, reading data relative to the file. */
    public Trainer newTrainer() {
      return new Trainer(newNetwork()).dataDirectory(dataDirectory);
    }

    public Model model() {
      return generated.model();
    }
  }

  public Compiled compile(SourceFile source) {
    long t0 = System.nanoTime();
    Generated g = generate(source);
    JaninoCompiler.Compiled c = JaninoCompiler.compile(g.className(), g.source());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    return new Compiled(g, c.type().asSubclass(Network.class), c.methodSizes(), c.constants(), ms, source.directory());
  }
}

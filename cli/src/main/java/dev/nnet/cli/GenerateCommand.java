package dev.nnet.cli;

import dev.nnet.NnetCompiler;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import com.squareup.javapoet.JavaFile;
import dev.nnet.runtime.AtomicFile;
import dev.nnet.runtime.NnetException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "generate", header = "Write the generated Java source (or the inference-only predictor).", description = "Writes the generated trainer's Java source. It compiles with javac against the runtime jar (add --add-modules jdk.incubator.vector for Vector API kernels, or use --kernels plain).")
final class GenerateCommand implements Callable<Integer> {
  @Mixin
  Common common;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "source root to write into (package folders are created)")
  Path output;

  @Option(names = "--package", paramLabel = "NAME", description = "Java package of the generated class (default: ${DEFAULT-VALUE})")
  String packageName = dev.nnet.emit.EmitOptions.DEFAULT_PACKAGE;

  @Option(names = "--inference", description = "write instead <Model>Predictor: the forward pass only, in evaluation mode, needing nothing but the JDK; it loads a checkpoint. With --kernels vector it uses Vector API kernels (3x faster on convolutions; run with --add-modules jdk.incubator.vector)")
  boolean inference;

  @Option(names = "--weights-precision", paramLabel = "P",
      description = "with --inference: the precision of the weights file the predictor reads, float32 (default: the checkpoint itself) or bf16 (half the bytes)")
  String weightsPrecision = "float32";

  @Option(names = "--weights", paramLabel = "CKPT",
      description = "with --inference: also write CKPT's weights, without optimizer state, as <name>.<precision>.ckpt beside it for the predictor to load")
  Path weights;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws java.io.IOException {
    if (Files.exists(output) && !Files.isDirectory(output)) {
      throw new NnetException(output + " is a file; -o takes the folder of the source tree (the package's folders go below it)",
          "e.g. -o src/main/java");
    }
    NnetCompiler.Generated g = common.compiler().packageName(packageName).generate(common.source());
    for (var w : g.model().warnings()) spec.commandLine().getErr().print(w.format());
    PrintWriter out = spec.commandLine().getOut();
    if (!weightsPrecision.equals("float32") && !weightsPrecision.equals("bf16")) {
      throw new NnetException("unknown weights precision '" + weightsPrecision + "'", "write  --weights-precision bf16  (or float32)");
    }
    boolean bf16 = weightsPrecision.equals("bf16");
    if ((bf16 || weights != null) && !inference) {
      throw new NnetException("--weights-precision and --weights are for the predictor", "add --inference");
    }
    // the predictor is plain Java (JDK only, no flags) unless --kernels vector asks for its Vector API kernels
    int predictorLanes = common.kernels == NnetCompiler.Kernels.VECTOR ? g.lanes() : 0;
    JavaFile file = inference ? dev.nnet.emit.PredictorEmitter.emit(g.model(), g.layout(), packageName, bf16, predictorLanes) : g.file();
    Path target = output;
    for (String part : file.packageName.split("\\.")) if (!part.isEmpty()) target = target.resolve(part);
    target = target.resolve(file.typeSpec.name + ".java");
    AtomicFile.writeString(target, "the generated source", file.toString());
    if (inference) {
      out.println("wrote " + target + " (" + packageName + "." + g.model().name() + "Predictor, inference only, JDK only"
          + (bf16 ? ", reads bf16 weights" : "") + (predictorLanes > 0 ? ", Vector API kernels: run it with --add-modules jdk.incubator.vector" : "") + ")");
      if (weights != null) {
        NnetCompiler.Compiled c = common.compiler().compile(common.source());
        dev.nnet.runtime.Trainer t = c.newTrainer().load(weights);
        String base = weights.getFileName().toString().replaceFirst("\\.ckpt$", "");
        Path to = weights.resolveSibling(base + "." + weightsPrecision + ".ckpt");
        t.saveWeights(to, bf16);
        out.printf(java.util.Locale.ROOT, "wrote %s (%,d bytes; %s: %,d bytes with its optimizer state)%n", to, Files.size(to), weights, Files.size(weights));
      }
    } else {
      out.println("wrote " + target + " (" + g.className() + ", " + (g.lanes() > 0 ? "Vector API kernels, " + g.lanes() + " lanes" : "plain-Java kernels") + ")");
    }
    return 0;
  }
}

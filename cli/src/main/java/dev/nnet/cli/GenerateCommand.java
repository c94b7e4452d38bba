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

  @Option(names = "--inference", description = "write instead <Model>Predictor: the forward pass only, in evaluation mode, needing nothing but the JDK; it loads a checkpoint")
  boolean inference;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    if (Files.exists(output) && !Files.isDirectory(output)) {
      throw new NnetException(output + " is a file; -o takes the folder of the source tree (the package's folders go below it)",
          "e.g. -o src/main/java");
    }
    NnetCompiler.Generated g = common.compiler().packageName(packageName).generate(common.source());
    for (var w : g.model().warnings()) spec.commandLine().getErr().print(w.format());
    PrintWriter out = spec.commandLine().getOut();
    JavaFile file = inference ? dev.nnet.emit.PredictorEmitter.emit(g.model(), g.layout(), packageName) : g.file();
    Path target = output;
    for (String part : file.packageName.split("\\.")) if (!part.isEmpty()) target = target.resolve(part);
    target = target.resolve(file.typeSpec.name + ".java");
    AtomicFile.writeString(target, "the generated source", file.toString());
    if (inference) {
      out.println("wrote " + target + " (" + packageName + "." + g.model().name() + "Predictor, inference only, JDK only)");
    } else {
      out.println("wrote " + target + " (" + g.className() + ", " + (g.lanes() > 0 ? "Vector API kernels, " + g.lanes() + " lanes" : "plain-Java kernels") + ")");
    }
    return 0;
  }
}

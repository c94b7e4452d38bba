package dev.nnet.cli;

import dev.nnet.NnetCompiler;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
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
  public Integer call() throws IOException {
    if (!packageName.matches("([a-zA-Z_][a-zA-Z0-9_]*)(\\.[a-zA-Z_][a-zA-Z0-9_]*)*")) {
      throw new dev.nnet.runtime.NnetException("'" + packageName + "' is not a Java package name", "e.g. --package com.example.models");
    }
    NnetCompiler.Generated g = common.compiler().packageName(packageName).generate(common.source());
    for (var w : g.model().warnings()) spec.commandLine().getErr().print(w.format());
    PrintWriter out = spec.commandLine().getOut();
    if (inference) {
      Path file = dev.nnet.emit.PredictorEmitter.emit(g.model(), g.layout(), packageName).writeToPath(output);
      out.println("wrote " + file + " (" + packageName + "." + g.model().name() + "Predictor, inference only, JDK only)");
      return 0;
    }
    Path file = g.file().writeToPath(output);
    out.println("wrote " + file + " (" + g.className() + ", " + (g.lanes() > 0 ? "Vector API kernels, " + g.lanes() + " lanes" : "plain-Java kernels") + ")");
    return 0;
  }
}

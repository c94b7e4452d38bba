package dev.nnet.cli;

import dev.nnet.analysis.Model;
import dev.nnet.analysis.Op;
import dev.nnet.compile.VectorSupport;
import dev.nnet.runtime.TrainingPlan;
import dev.nnet.syntax.Diagnostic;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "check", header = "Check a .nnet file and show the resolved model.", description = "Checks a .nnet file and prints the resolved model: every layer with its output shape, parameter count and initializer, and every setting with its defaults filled in. On an error, prints file:line:col, the line with the problem underlined, and a hint; exits 1.")
final class CheckCommand implements Callable<Integer> {
  @Mixin
  Common common;

  @Option(names = "--explain", description = "accepted for compatibility: the resolved model is always printed")
  boolean explain;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Model m = common.compiler().check(common.source());
    for (Diagnostic w : m.warnings()) spec.commandLine().getErr().print(w.format());
    print(m, out);
    return 0;
  }

  static void print(Model m, PrintWriter out) {
    out.printf("%s  (%s)%n%n", m.name(), m.source().name());
    int width = "operation".length();
    for (Op op : m.layers()) width = Math.max(width, op.describe().length());
    String row = "  %-10s %-" + width + "s %10s %12s  %s%n";
    out.printf(row, "layer", "operation", "output", "parameters", "line");
    out.printf(row, "input", "", Arrays.toString(m.inputShape()), "", "");
    for (Op op : m.layers()) {
      out.printf(row, op.name(), op.describe(), "[" + op.outputSize() + "]",
          op.parameterCount() == 0 ? "" : String.format(Locale.ROOT, "%,d", op.parameterCount()), op.line());
    }
    out.printf(Locale.ROOT, "%n  total parameters: %,d%n%n", m.parameterCount());
    TrainingPlan p = m.plan();
    out.printf("  loss        %s%n", m.loss().kind().keyword);
    out.printf("  optimizer   %s%n", m.optimizer().describe());
    out.printf("  training    batch %d, epochs %d, seed %d, shuffle %s%n", m.batchSize(), p.epochs(), p.seed(), p.shuffle());
    TrainingPlan.Data d = p.data();
    StringBuilder data = new StringBuilder();
    if (!d.directory().isEmpty()) data.append("dir \"").append(d.directory()).append("\", ");
    data.append("train ").append(source(d.train())).append(", test ").append(source(d.test()));
    data.append(String.format(Locale.ROOT, ", scale %.6g, validation %s", d.scale(), d.validation()));
    out.printf("  data        %s%n", data);
    out.printf("  precision   %s%n", m.precision().keyword());
    out.printf("  kernels     %s%n", VectorSupport.lanes(m.precision()).map(l -> "Vector API, " + l + " lanes")
        .orElse("plain Java (start the JVM with --add-modules jdk.incubator.vector for Vector API kernels)"));
    out.flush();
  }

  private static String source(TrainingPlan.Source s) {
    if (s == null) return "none";
    StringBuilder sb = new StringBuilder(s.format()).append('(');
    for (int i = 0; i < s.paths().size(); i++) sb.append(i > 0 ? ", " : "").append('"').append(s.paths().get(i)).append('"');
    s.options().forEach((k, v) -> sb.append(", ").append(k).append(": ").append(v));
    return sb.append(')').toString();
  }
}

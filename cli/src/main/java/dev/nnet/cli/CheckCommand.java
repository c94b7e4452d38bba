package dev.nnet.cli;

import dev.nnet.analysis.Expansion;
import dev.nnet.analysis.Model;
import dev.nnet.analysis.Op;
import dev.nnet.compile.VectorSupport;
import dev.nnet.runtime.Preprocessor;
import dev.nnet.runtime.TrainingPlan;
import dev.nnet.syntax.Diagnostic;
import dev.nnet.syntax.Parsing;
import dev.nnet.syntax.Printer;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
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

  @Option(names = "--expand", description = "also print the network with every block use and repeat written out, as the checks see it: a valid network { } block, each layer under its final name")
  boolean expand;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    dev.nnet.syntax.SourceFile source = common.source();
    Model m = common.compiler().check(source);
    for (Diagnostic w : m.warnings()) spec.commandLine().getErr().print(w.format());
    print(m, out);
    if (expand) {
      for (dev.nnet.syntax.Ast.Item item : Expansion.expand(Parsing.parse(source), common.compiler().fileAccessFor(source)).items()) {
        if (item instanceof dev.nnet.syntax.Ast.Network n) out.printf("%n%s", Printer.network(n));
      }
      out.flush();
    }
    return 0;
  }

  static void print(Model m, PrintWriter out) {
    out.printf("%s  (%s)%n%n", m.name(), m.source().name());
    int width = "operation".length(), names = "layer".length();
    for (Op op : m.layers()) {
      width = Math.max(width, op.describe().length());
      names = Math.max(names, op.name().length());
    }
    java.util.List<dev.nnet.analysis.Shape> shapes = m.shapes();
    int shapeWidth = Math.max("output".length(), Arrays.toString(m.inputShape()).length());
    for (dev.nnet.analysis.Shape sh : shapes) shapeWidth = Math.max(shapeWidth, sh.toString().length());
    String row = "  %-" + names + "s %-" + width + "s %" + shapeWidth + "s %12s %14s  %s%n";
    out.printf(row, "layer", "operation", "output", "parameters", "multiply-adds", "line");
    out.printf(row, "input", "", Arrays.toString(m.inputShape()), "", "", "");
    long macs = 0;
    for (int i = 0; i < m.layers().size(); i++) {
      Op op = m.layers().get(i);
      macs += op.multiplyAdds();
      out.printf(row, op.name(), op.describe(), shapes.get(i).toString(),
          op.parameterCount() == 0 ? "" : String.format(Locale.ROOT, "%,d", op.parameterCount()),
          op.multiplyAdds() == 0 ? "" : String.format(Locale.ROOT, "%,d", op.multiplyAdds()), op.line());
    }
    out.printf(Locale.ROOT, "%n  total parameters: %,d; multiply-adds per sample: %,d forward (training: about 3×)%n%n", m.parameterCount(), macs);
    TrainingPlan p = m.plan();
    out.printf(Locale.ROOT, "  loss        %s, label_smoothing %s%n", m.loss().kind().keyword, num(m.loss().smoothing()));
    out.printf("  optimizer   %s%n", m.optimizer().describe());
    Model.Regularization r = m.regularization();
    out.printf(Locale.ROOT, "  regularize  weight_decay %s, l1 %s, clip_value %s, clip_norm %s%n", num(r.weightDecay()), num(r.l1()),
        r.clipValue() == 0 ? "off" : num(r.clipValue()), r.clipNorm() == 0 ? "off" : num(r.clipNorm()));
    out.printf("  training    batch %d, epochs %d, seed %d, shuffle %s, checkpoint_every %d%n", m.batchSize(), p.epochs(), p.seed(), p.shuffle(),
        p.checkpointEvery());
    out.printf("  schedule    %s%n", schedule(p.schedule()));
    TrainingPlan.EarlyStopping es = p.earlyStopping();
    out.printf(Locale.ROOT, "  stopping    %s%n", es == null ? "none (all epochs)"
        : "early_stopping(monitor: " + es.monitor() + ", patience: " + es.patience() + ", min_delta: " + num(es.minDelta())
            + ", restore_best: " + es.restoreBest() + ")");
    if (p.report() != null) out.printf("  report      %s (written by nnet train)%n", p.report());
    TrainingPlan.Data d = p.data();
    StringBuilder data = new StringBuilder();
    if (!d.directory().isEmpty()) data.append("dir \"").append(d.directory()).append("\", ");
    data.append("train ").append(source(d.train())).append(", test ").append(source(d.test()));
    data.append(String.format(Locale.ROOT, ", scale %.6g, validation %s, stratify %s, folds %d", d.scale(), d.validation(), d.stratify(), d.folds()));
    if (!d.classes().isEmpty()) data.append(", classes ").append(d.classes()).append(" (as 0..").append(d.classes().size() - 1).append(')');
    if (d.perClass() > 0) data.append(", per_class ").append(d.perClass());
    out.printf("  data        %s%n", data);
    Preprocessor.Spec pre = d.preprocess();
    out.printf(Locale.ROOT, "  preprocess  %s%n", switch (pre.kind()) {
      case "pca" -> "pca(" + (pre.components() == 0 ? "all" : pre.components()) + ")";
      case "whiten" -> "whiten(" + (pre.components() == 0 ? "all" : pre.components()) + ", eps: " + num(pre.eps()) + ")";
      case "zca" -> "zca(eps: " + num(pre.eps()) + ")";
      default -> pre.kind();
    });
    StringBuilder aug = new StringBuilder();
    for (TrainingPlan.Augment a : d.augment()) aug.append(aug.length() > 0 ? ", " : "").append(a.kind()).append(a.kind().equals("mirror") ? "" : "(" + num(a.amount()) + ")");
    out.printf("  augment     %s%n", aug.length() == 0 ? "none" : aug);
    for (TrainingPlan.Transfer t : p.transfers()) out.printf("  load        from \"%s\": %s%n", t.path(), String.join(", ", t.tensors()));
    List<String> frozen = m.layers().stream().filter(Op::frozen).map(Op::name).toList();
    if (!frozen.isEmpty()) out.printf("  frozen      %s%n", String.join(", ", frozen));
    for (TrainingPlan.Unfreeze u : p.unfreezes()) out.printf("  unfreeze    %s at epoch %d (frozen before it; their Adam steps count from it)%n", String.join(", ", u.layers()), u.epoch());
    out.printf("  precision   %s%n", m.mixed() == Model.Mixed.NONE ? m.precision().keyword()
        : m.precisionText() + ": float32 master weights and arithmetic, 16-bit operands in the products" + (m.mixed() == Model.Mixed.FP16 ? ", dynamic loss scaling" : ""));
    out.printf("  kernels     %s%n", VectorSupport.lanes(m.precision()).map(l -> "Vector API, " + l + " lanes")
        .orElse("plain Java (start the JVM with --add-modules jdk.incubator.vector for Vector API kernels)"));
    out.flush();
  }

  private static String num(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.6g", v).replaceAll("\\.?0+(e|$)", "$1");
  }

  /** The argument names of each schedule, in the order its stage holds them (runtime's Schedule). */
  private static final java.util.Map<String, String[]> SCHEDULE_ARGUMENTS = java.util.Map.of(
      "step", new String[] {"every", "gamma"}, "exponential", new String[] {"gamma"}, "cosine", new String[] {"T", "min"},
      "cosine_restarts", new String[] {"period", "mult", "min"}, "warmup", new String[] {"length", "from"},
      "plateau", new String[] {"patience", "factor", "min", "threshold"}, "multistep", new String[] {"gamma"});

  private static String schedule(java.util.List<TrainingPlan.Stage> stages) {
    if (stages.isEmpty()) return "constant";
    StringBuilder sb = new StringBuilder();
    for (TrainingPlan.Stage st : stages) {
      sb.append(sb.length() > 0 ? " then " : "").append(st.kind()).append('(');
      String[] names = SCHEDULE_ARGUMENTS.getOrDefault(st.kind(), new String[0]);
      for (int i = 0; i < st.args().length; i++) {
        sb.append(i > 0 ? ", " : "").append(i < names.length ? names[i] + ": " : "").append(num(st.args()[i]));
      }
      if (!st.monitor().isEmpty()) sb.append(st.args().length > 0 ? ", " : "").append("monitor: ").append(st.monitor());
      sb.append(')').append(st.perStep() ? " per step" : "");
    }
    return sb.toString();
  }

  private static String source(TrainingPlan.Source s) {
    if (s == null) return "none";
    StringBuilder sb = new StringBuilder(s.format()).append('(');
    for (int i = 0; i < s.paths().size(); i++) sb.append(i > 0 ? ", " : "").append('"').append(s.paths().get(i)).append('"');
    s.options().forEach((k, v) -> sb.append(", ").append(k).append(": ").append(v));
    return sb.append(')').toString();
  }
}

package dev.nnet.cli;

import dev.nnet.runtime.*;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "diagnose", header = "Show per-layer activations and gradients, with findings.", description = "Runs one batch forward and backward at initialization (and with --steps N again after N training steps) and prints, per layer: the activations' mean and standard deviation, the norm of the loss gradient at its output, the fraction of dead ReLUs and of saturated sigmoid/tanh outputs. Then it names vanishing or exploding activations and gradients, with the remedies the notes give. Uses the file's training data, or standard-normal inputs when it is not available (said so).")
final class DiagnoseCommand implements Callable<Integer> {
  @Mixin
  Common common;

  @Mixin
  ThreadsOption threads;

  int steps;

  @Option(names = "--steps", paramLabel = "N", description = "also measure after N training steps")
  void steps(int n) {
    if (n < 0) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--steps must be 0 or more, got " + n);
    steps = n;
  }

  @Mixin
  JsonOption output;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
    var c = common.compileReadingData(err);
    Trainer trainer = c.newTrainer().threads(threads.get());
    NetworkSpec ns = trainer.spec();
    Dataset data;
    try {
      data = c.data().train();
    } catch (NnetException e) {
      int raw = 1;
      for (int d : ns.inputShape()) raw *= d;
      data = Dataset.random(ns, ns.batchSize() * 8, raw, new Rng(ns.plan().seed()));
      if (!output.json) err.println("note: the file's data is not available (" + e.getMessage() + "); using standard-normal inputs");
    }
    List<List<Diagnosis.LayerStats>> runs = trainer.diagnose(data, steps);
    for (int r = 0; r < runs.size(); r++) {
      String when = r == 0 ? "at initialization" : "after " + steps + " steps";
      if (output.json) {
        for (Diagnosis.LayerStats s : runs.get(r)) {
          out.printf(Locale.ROOT, "{\"when\":\"%s\",\"layer\":\"%s\",\"operation\":\"%s\",\"act_mean\":%s,\"act_std\":%s,\"grad_norm\":%s,\"dead_fraction\":%s,\"saturated_fraction\":%s}%n",
              r == 0 ? "init" : "after_" + steps, s.layer(), s.operation(), Progress.num(s.actMean()), Progress.num(s.actStd()),
              Progress.num(s.gradNorm()), Progress.num(s.deadFraction()), Progress.num(s.saturatedFraction()));
        }
        continue;
      }
      out.printf("%s %s (batch of %d from %s):%n", ns.modelName(), when, ns.batchSize(), data.name());
      out.printf("  %-12s %-10s %10s %10s %12s %7s %10s%n", "layer", "operation", "act mean", "act std", "grad norm", "dead", "saturated");
      for (Diagnosis.LayerStats s : runs.get(r)) {
        out.printf(Locale.ROOT, "  %-12s %-10s %10.4f %10.4f %12s %7s %10s%n", s.layer(), s.operation(), s.actMean(), s.actStd(),
            Double.isNaN(s.gradNorm()) ? "-" : String.format(Locale.ROOT, "%.3e", s.gradNorm()),
            Double.isNaN(s.deadFraction()) ? "" : String.format(Locale.ROOT, "%.0f%%", 100 * s.deadFraction()),
            Double.isNaN(s.saturatedFraction()) ? "" : String.format(Locale.ROOT, "%.0f%%", 100 * s.saturatedFraction()));
      }
      List<String> findings = Diagnosis.findings(runs.get(r));
      if (findings.isEmpty()) out.println("  no sign of vanishing or exploding activations or gradients");
      for (String f : findings) out.println("  ! " + f);
      out.println();
    }
    out.flush();
    return 0;
  }
}

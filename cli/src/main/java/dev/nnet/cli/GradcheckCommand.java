package dev.nnet.cli;

import dev.nnet.GradientCheck;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "gradcheck", header = "Compare every gradient with finite differences.", description = "Compiles the file's network in float64 and compares every parameter gradient with finite differences on random data (fourth-order central differences, dropout masks held fixed). Prints the worst relative error per parameter tensor; exits 1 when one is above the tolerance.")
final class GradcheckCommand implements Callable<Integer> {
  @Mixin
  Common common;

  double tolerance = 1e-6;

  int elements = 50;

  @Option(names = "--tolerance", paramLabel = "E",
      description = "largest acceptable relative error beyond the finite difference's own estimated error (default: 1e-6)")
  void tolerance(double e) {
    if (!(e >= 0)) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--tolerance must be 0 or more, got " + e);
    tolerance = e;
  }

  @Option(names = "--elements", paramLabel = "N", description = "elements checked per tensor, at random (default: 50; all when fewer)")
  void elements(int n) {
    elements = Options.atLeastOne(spec, "--elements", n);
  }

  @Option(names = "--seed", paramLabel = "S", description = "seed of the random data and weights (default: ${DEFAULT-VALUE})")
  long seed = 1;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    List<GradientCheck.TensorResult> results = GradientCheck.run(common.source(), common.kernels, seed, elements);
    int bad = 0;
    out.printf("%-24s %8s %8s %12s%n", "tensor", "checked", "skipped", "worst error");
    for (GradientCheck.TensorResult r : results) {
      boolean ok = r.passes(tolerance);
      if (!ok) bad++;
      out.printf(Locale.ROOT, "%-24s %8d %8d %12.2e  %s%n", r.tensor(), r.checked(), r.skipped(), r.worstError(), ok ? "ok" : "FAILED");
    }
    out.println(bad == 0 ? "all gradients agree with finite differences (tolerance " + tolerance + ")"
        : bad + " tensor" + (bad == 1 ? "" : "s") + " above tolerance " + tolerance + " (or too many non-smooth points): a wrong gradient");
    out.flush();
    return bad == 0 ? 0 : 1;
  }
}

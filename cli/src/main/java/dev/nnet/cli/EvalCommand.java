package dev.nnet.cli;

import dev.nnet.runtime.DataLoader;
import dev.nnet.runtime.Dataset;
import dev.nnet.runtime.Metrics;
import dev.nnet.runtime.Trainer;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "eval", header = "Report loss and accuracy of a checkpoint on the test set.", description = "Loads a checkpoint and reports loss and accuracy on the file's test set (or its training set when it has none).")
final class EvalCommand implements Callable<Integer> {
  @Mixin
  Common common;

  @Mixin
  WeightsOption weights;

  @Mixin
  JsonOption output;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    var c = common.compileReadingData(spec.commandLine().getErr());
    Trainer trainer = weights.load(c);
    DataLoader.Splits s = trainer.data();
    Dataset d = s.test() != null ? s.test() : s.train();
    String which = s.test() != null ? "test" : "train";
    Metrics m = trainer.evaluate(d);
    if (output.json) {
      out.printf(Locale.ROOT, "{\"set\":\"%s\",\"samples\":%d,\"loss\":%s,\"accuracy\":%s}%n", which, m.count(), Progress.num(m.loss()), Progress.num(m.accuracy()));
    } else {
      out.printf(Locale.ROOT, "%s: %d samples, loss %.4f%s%n", which, m.count(), m.loss(),
          Double.isNaN(m.accuracy()) ? "" : String.format(Locale.ROOT, ", accuracy %.4f", m.accuracy()));
    }
    out.flush();
    return 0;
  }
}

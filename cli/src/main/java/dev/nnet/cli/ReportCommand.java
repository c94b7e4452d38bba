package dev.nnet.cli;

import dev.nnet.NnetCompiler;
import dev.nnet.analysis.Model;
import dev.nnet.report.HtmlReport;
import dev.nnet.report.RunHistory;
import dev.nnet.runtime.AtomicFile;
import dev.nnet.runtime.Checkpoint;
import dev.nnet.runtime.DataLoader;
import dev.nnet.runtime.NnetException;
import dev.nnet.runtime.Trainer;
import dev.nnet.runtime.TrainingPlan;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "report", header = "Draw the training report of a checkpoint again.",
    description = {"Writes the HTML training report of the run that wrote the checkpoint, from the history 'nnet train --report' "
        + "stored in it: curves, per-layer statistics, the test result, the model and how to reproduce the run. The page is one "
        + "self-contained file; open it in any browser, offline.",
        "",
        "Example:",
        "  nnet train samples/fashion-mlp.nnet --report run.html",
        "  nnet report fashion-mlp.ckpt -o again.html"})
final class ReportCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "CKPT", description = "a checkpoint written by nnet train --report (or with  report \"...\"  in its training block)")
  Path checkpoint;

  @Option(names = {"-o", "--output"}, paramLabel = "HTML", description = "the page to write (default: the checkpoint's name with .html)")
  Path output;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    byte[] bytes = Checkpoint.history(checkpoint);
    if (bytes == null) {
      throw new NnetException(checkpoint + " holds no training history",
          "train with --report FILE (or  report \"run.html\"  in the training block): its checkpoints then keep the history");
    }
    RunHistory h;
    try {
      h = RunHistory.fromBytes(bytes);
    } catch (IllegalArgumentException e) {
      throw new NnetException(checkpoint + ": its training history is unreadable (" + e.getMessage() + ")", "train again with this version of nnet");
    }
    if (h.status.equals("running")) h.status = "finished"; // the checkpoint of an interrupted run: draw what it holds, once
    Path target = output != null ? output : Path.of(checkpoint.getFileName().toString().replaceFirst("\\.ckpt$", "") + ".html");
    AtomicFile.writeString(target, "the report", HtmlReport.render(h));
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "wrote %s (%s, %d epochs%s)%n", target, h.model, h.epochs.size(), h.test == null ? "" : ", with the test result");
    out.flush();
    return 0;
  }

  /** What a report says of the run before it starts: the model, the data, how to run it again, where. */
  static RunHistory describe(NnetCompiler.Compiled c, Trainer trainer, DataLoader.Splits splits, String args) {
    Model m = c.model();
    RunHistory h = new RunHistory();
    h.model = m.name();
    h.source = m.source().name();
    h.command = "nnet train " + args;
    h.seed = m.plan().seed();
    h.precision = m.precisionText();
    h.started = java.time.ZonedDateTime.now().withNano(0).toString();
    h.machine = machine();
    h.java = "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + "), " + trainer.network().threads() + " thread(s)";
    StringWriter table = new StringWriter();
    CheckCommand.print(m, new PrintWriter(table));
    h.modelTable = table.toString();
    TrainingPlan.Data d = m.plan().data();
    StringBuilder data = new StringBuilder();
    data.append(String.format(Locale.ROOT, "train       %d samples%n", splits.train().rows()));
    data.append(splits.validation() == null ? "validation  none\n" : String.format(Locale.ROOT, "validation  %d samples (%s of the training data)%n",
        splits.validation().rows(), d.validation()));
    data.append(splits.test() == null ? "test        none\n" : String.format(Locale.ROOT, "test        %d samples%n", splits.test().rows()));
    if (splits.train().classNames() != null) data.append("classes     ").append(String.join(", ", splits.train().classNames())).append('\n');
    data.append(String.format(Locale.ROOT, "scale       %.6g%n", d.scale()));
    data.append("preprocess  ").append(d.preprocess().kind()).append(" (fitted on the training split only)\n");
    StringBuilder aug = new StringBuilder();
    for (TrainingPlan.Augment a : d.augment()) aug.append(aug.length() > 0 ? ", " : "").append(a.kind()).append('(').append(a.amount()).append(')');
    data.append("augment     ").append(aug.length() == 0 ? "none" : aug).append('\n');
    h.dataSummary = data.toString();
    return h;
  }

  static boolean plateau(NnetCompiler.Compiled c) {
    for (TrainingPlan.Stage s : c.model().plan().schedule()) if (s.kind().equals("plateau")) return true;
    return false;
  }

  /** [C, H, W] of an image input: its declared shape, or a square of IDX pixels given as a flat vector; null otherwise. */
  static int[] imageShape(NnetCompiler.Compiled c) {
    int[] in = c.model().inputShape();
    if (in.length == 3) return in.clone();
    if (in.length == 2) return new int[] {1, in[0], in[1]};
    int side = (int) Math.round(Math.sqrt(in[0]));
    TrainingPlan.Source src = c.model().plan().data().train();
    boolean idx = src != null && src.format().equals("idx");
    return idx && side * side == in[0] && side > 1 ? new int[] {1, side, side} : null;
  }

  private static String machine() {
    String cpu = System.getProperty("os.arch");
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).strip();
          break;
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux: the architecture will do
    }
    return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name");
  }
}

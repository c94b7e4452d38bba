package dev.nnet.cli;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.Metrics;
import dev.nnet.runtime.Trainer;
import dev.nnet.runtime.TrainingReport;
import dev.nnet.syntax.SourceFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "train", header = "Train on the file's data; write a checkpoint.", description = "Compiles the file's network, trains it on the file's data, evaluates it on the test set once at the end, and writes a checkpoint (after every epoch and at the end; atomically).")
final class TrainCommand implements Callable<Integer> {
  @Mixin
  Common common;

  @Mixin
  ThreadsOption threads;

  Integer epochs;

  Long steps;

  @Option(names = {"-o", "--out"}, paramLabel = "CKPT",
      description = "checkpoint to write (default: the file's name with .ckpt, in the working directory; readable by this user only)")
  Path out;

  @Option(names = "--resume", description = "continue from the checkpoint (--out) instead of starting afresh")
  boolean resume;

  @Option(names = "--overwrite", description = "replace an existing checkpoint that holds more training (without it, such a run is refused)")
  boolean overwrite;

  @Option(names = "--init-weights", paramLabel = "NPZ", description = "start from these weights (a PyTorch-style state_dict saved with numpy.savez)")
  Path initWeights;

  @Option(names = "--save-weights", paramLabel = "NPZ", description = "also write the trained weights as a PyTorch-style state_dict (.npz)")
  Path saveWeights;

  @Mixin
  JsonOption output;

  @Option(names = "--report", paramLabel = "HTML",
      description = "write a training report to this HTML file: curves, per-layer statistics, the test result; rewritten after every epoch "
          + "(open it in a browser: it reloads itself while training runs). Overrides the training block's  report \"...\".")
  Path report;

  int logEvery;

  @Option(names = "--log-every", paramLabel = "N", description = "with --json, also print every N-th step (default: 0, none)")
  void logEvery(int n) {
    if (n < 0) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--log-every must be 0 or more, got " + n);
    this.logEvery = n;
  }

  @Spec
  CommandSpec spec;

  @Option(names = "--epochs", paramLabel = "N", description = "train this many epochs instead of the file's (at least 1)")
  void epochs(int n) {
    this.epochs = Options.atLeastOne(spec, "--epochs", n);
  }

  @Option(names = "--steps", paramLabel = "N", description = "stop after N optimizer steps in total (at least 1)")
  void steps(long n) {
    this.steps = (long) Options.atLeastOne(spec, "--steps", n);
  }

  private Progress progress;
  private dev.nnet.report.ReportRecorder recorder;

  /**
   * Trains with a report recorder beside the progress: the page is rewritten after every epoch, then once more
   * with the test split's confusion matrix and wrong images; a failure is written into it before it propagates.
   * The run's history also goes into every checkpoint, so {@code nnet report CKPT} can draw the page again.
   */
  private TrainingReport fitWithReport(NnetCompiler.Compiled c, Trainer trainer, Path html, Path checkpoint, Progress progress) {
    dev.nnet.runtime.DataLoader.Splits splits = trainer.data();
    dev.nnet.report.RunHistory h = ReportCommand.describe(c, trainer, splits, String.join(" ", spec.commandLine().getParseResult().originalArgs()));
    recorder = new dev.nnet.report.ReportRecorder(h, ReportCommand.plateau(c), html);
    trainer.listener(dev.nnet.runtime.TrainingListener.both(progress, recorder)).history(h::toBytes);
    recorder.write();
    try {
      TrainingReport r = trainer.fit(splits.train(), splits.validation(), splits.test());
      if (r.test() != null && splits.test() != null && splits.test().labels() != null && trainer.spec().task() == dev.nnet.runtime.NetworkSpec.Task.CLASSIFICATION) {
        float[][] rows = new float[splits.test().rows()][];
        int n = splits.test().featureSize();
        for (int i = 0; i < rows.length; i++) rows[i] = java.util.Arrays.copyOfRange(splits.test().features(), i * n, (i + 1) * n);
        recorder.recordTest(splits.test(), trainer.predict(rows), ReportCommand.imageShape(c), r.test());
      }
      recorder.finish();
      return r;
    } catch (RuntimeException e) {
      recorder.fail(e.getMessage());
      throw e;
    }
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
    SourceFile src = common.source();
    NnetCompiler.Compiled c = common.compileReadingData(err);
    Path checkpoint = this.out != null ? this.out : common.defaultCheckpoint(src);
    if (!output.json) err.printf(Locale.ROOT, "compiled %s in %d ms%n", c.model().name(), c.compileMillis());
    progress = new Progress(err, output.json ? out : null, System.console() != null, logEvery);
    Trainer trainer = c.newTrainer().threads(threads.get()).checkpointTo(checkpoint).overwrite(overwrite).listener(progress);
    if (resume) trainer.load(checkpoint);
    if (initWeights != null) trainer.importWeights(initWeights);
    if (epochs != null) trainer.epochs(epochs);
    if (steps != null) trainer.maxSteps(steps);
    int folds = trainer.spec().plan().data().folds();
    if (folds > 0 && !resume) {
      dev.nnet.runtime.CrossValidation cv = trainer.checkpointTo(null).crossValidate();
      if (output.json) {
        out.printf(Locale.ROOT, "{\"event\":\"cross_validation\",\"folds\":%d,\"metric\":\"%s\",\"mean\":%s,\"std\":%s}%n", folds, cv.metric(),
            Progress.num(cv.mean()), Progress.num(cv.std()));
      } else {
        out.printf(Locale.ROOT, "%d-fold cross-validation: %s %.4f ± %.4f%n", folds, cv.metric(), cv.mean(), cv.std());
        err.println("training the final model on all the training data");
      }
      trainer.checkpointTo(checkpoint);
    }
    Path html = this.report != null ? this.report : c.model().plan().report() != null ? Path.of(c.model().plan().report()) : null;
    TrainingReport report = html == null ? trainer.fit() : fitWithReport(c, trainer, html, checkpoint, progress);
    if (report.epochs().isEmpty() || report.epochs().get(report.epochs().size() - 1).steps() != report.steps()) trainer.save(checkpoint);
    if (html != null) {
      if (java.nio.file.Files.exists(checkpoint)) dev.nnet.runtime.Checkpoint.replaceHistory(checkpoint, recorder.history().toBytes());
      if (!output.json) out.println("report: " + html);
    }
    if (saveWeights != null) trainer.exportWeights(saveWeights);
    if (!output.json) {
      Metrics t = report.test();
      if (t != null) {
        out.printf(Locale.ROOT, "test: %d samples, loss %.4f%s%n", t.count(), t.loss(),
            Double.isNaN(t.accuracy()) ? "" : String.format(Locale.ROOT, ", accuracy %.4f", t.accuracy()));
      }
      out.printf(Locale.ROOT, "checkpoint: %s (%d steps, %.1f s)%n", checkpoint, report.steps(), report.seconds());
      if (saveWeights != null) out.println("weights: " + saveWeights + " (PyTorch state_dict layout)");
    }
    out.flush();
    return 0;
  }
}

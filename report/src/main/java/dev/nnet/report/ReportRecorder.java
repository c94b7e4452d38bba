package dev.nnet.report;

import dev.nnet.runtime.AtomicFile;
import dev.nnet.runtime.Diagnosis;
import dev.nnet.runtime.EpochResult;
import dev.nnet.runtime.Metrics;
import dev.nnet.runtime.NetworkSpec;
import dev.nnet.runtime.TrainingListener;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Follows a training run into a {@link RunHistory} and, when given a file, rewrites the HTML report there
 * (atomically) after every epoch, so a browser showing it refreshes onto the latest state.
 */
public final class ReportRecorder implements TrainingListener {
  /** About this many steps are recorded over a run, whatever its length. */
  static final int STEP_POINTS = 600;

  private final RunHistory history;
  private final Path html;
  private final boolean plateau;
  private long every = 1;
  private double lastRate = Double.NaN;

  /**
   * @param plateau whether the schedule is plateau, whose cuts are marked (other schedules change the rate by plan)
   * @param html    the report to rewrite after each epoch, or null
   */
  public ReportRecorder(RunHistory history, boolean plateau, Path html) {
    this.history = history;
    this.plateau = plateau;
    this.html = html;
  }

  public RunHistory history() {
    return history;
  }

  @Override
  public void onStart(NetworkSpec spec, int epochs, int stepsPerEpoch, int trainRows) {
    history.epochsPlanned = epochs;
    history.stepsPerEpoch = stepsPerEpoch;
    history.trainRows = trainRows;
    every = Math.max(1, (long) epochs * stepsPerEpoch / STEP_POINTS);
  }

  @Override
  public boolean wantsStepDetail(long step) {
    return step % every == 0;
  }

  @Override
  public void onStepDetail(int epoch, long step, double batchLoss, double gradientNorm, double learningRate) {
    history.steps.add(new RunHistory.Step(step, step / (double) Math.max(1, history.stepsPerEpoch), batchLoss, gradientNorm, learningRate));
  }

  @Override
  public boolean wantsLayerStats() {
    return true;
  }

  @Override
  public void onLayerStats(int epoch, List<Diagnosis.LayerStats> stats) {
    for (Diagnosis.LayerStats s : stats) {
      history.layers.add(new RunHistory.Layer(epoch, s.layer(), s.operation(), s.actStd(), s.gradNorm(), s.deadFraction(), s.saturatedFraction()));
    }
    history.findings.clear();
    for (String f : Diagnosis.findings(stats)) history.findings.add("epoch " + epoch + ": " + f);
  }

  @Override
  public void onEpoch(EpochResult r) {
    if (plateau && !Double.isNaN(lastRate) && r.learningRate() < lastRate * (1 - 1e-9)) {
      history.markers.add(new RunHistory.Marker("plateau", r.epoch() - 1, String.format(Locale.ROOT, "rate cut to %.3g", r.learningRate())));
    }
    lastRate = r.learningRate();
    history.epochs.add(new RunHistory.Epoch(r.epoch(), r.steps(), r.trainLoss(), r.trainAccuracy(),
        r.validation() == null ? Double.NaN : r.validation().loss(), r.validation() == null ? Double.NaN : r.validation().accuracy(),
        r.learningRate(), r.samplesPerSecond(), r.seconds()));
    write();
  }

  @Override
  public void onEarlyStop(int stoppedAfter, int bestEpoch, String monitor, double best) {
    history.markers.add(new RunHistory.Marker("best", bestEpoch, String.format(Locale.ROOT, "best epoch %d (%s %.4g)", bestEpoch, monitor, best)));
    history.markers.add(new RunHistory.Marker("stop", stoppedAfter, "early stop"));
  }

  @Override
  public void onUnfreeze(int epoch, List<String> layers) {
    history.markers.add(new RunHistory.Marker("unfreeze", epoch - 1, "unfreeze " + String.join(", ", layers)));
  }

  @Override
  public void onNonFinite(int epoch, long step, double loss, String layer) {
    history.markers.add(new RunHistory.Marker("nan", step / (double) Math.max(1, history.stepsPerEpoch),
        "loss " + loss + " at step " + step + (layer == null ? "" : " (first in " + layer + ")")));
  }

  @Override
  public void onTest(Metrics test) {
    if (history.test == null) {
      history.test = new RunHistory.Test(test.count(), test.loss(), test.accuracy(), List.of(), new int[0][0], List.of(), 0, 0, 0);
    }
  }

  /**
   * The test split's details from the network's outputs on it ({@code probabilities[i]} for sample i): the
   * confusion matrix, and for an image input ({@code image} = [C, H, W], or null) the most confidently wrong samples.
   */
  public void recordTest(dev.nnet.runtime.Dataset test, float[][] probabilities, int[] image, Metrics metrics) {
    int k = test.classes();
    if (k <= 1 || test.labels() == null) return;
    int[][] confusion = new int[k][k];
    List<RunHistory.Wrong> wrong = new java.util.ArrayList<>();
    int n = test.featureSize();
    for (int i = 0; i < test.rows(); i++) {
      float[] p = probabilities[i];
      int best = 0;
      for (int j = 1; j < p.length; j++) if (p[j] > p[best]) best = j;
      int label = test.labels()[i];
      if (label >= 0 && label < k && best < k) confusion[label][best]++;
      if (image != null && best != label) wrong.add(new RunHistory.Wrong(i, label, best, p[best], null));
    }
    wrong.sort((a, b) -> Double.compare(b.confidence(), a.confidence()));
    List<RunHistory.Wrong> shown = new java.util.ArrayList<>();
    for (RunHistory.Wrong w : wrong.subList(0, Math.min(HtmlReport.WRONG_SHOWN, wrong.size()))) {
      shown.add(new RunHistory.Wrong(w.index(), w.label(), w.predicted(), w.confidence(),
          java.util.Arrays.copyOfRange(test.features(), w.index() * n, (w.index() + 1) * n)));
    }
    List<String> names = test.classNames() == null ? List.of() : test.classNames();
    history.test = new RunHistory.Test(metrics.count(), metrics.loss(), metrics.accuracy(), List.copyOf(names), confusion, List.copyOf(shown),
        image == null ? 0 : image[0], image == null ? 0 : image[1], image == null ? 0 : image[2]);
  }

  /** The run ended: the page becomes final (no refresh). */
  public void finish() {
    history.status = "finished";
    write();
  }

  /** The run failed: the page says why and becomes final. */
  public void fail(String why) {
    history.status = "failed";
    history.failure = why;
    write();
  }

  /** Rewrites the report file (when there is one) from the history as it stands. */
  public void write() {
    if (html != null) AtomicFile.writeString(html, "the report", HtmlReport.render(history));
  }
}

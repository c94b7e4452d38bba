package dev.nnet.cli;

import dev.nnet.runtime.EpochResult;
import dev.nnet.runtime.Metrics;
import dev.nnet.runtime.NetworkSpec;
import dev.nnet.runtime.TrainingListener;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows training as it goes: a live bar on a terminal (redrawn at most 10 times a second), plain lines
 * otherwise, and one summary line per epoch. With {@code --json}, machine-readable lines go to stdout instead.
 */
final class Progress implements TrainingListener {
  private final PrintWriter human;   // stderr: bars and summaries
  private final PrintWriter json;    // stdout when --json, else null
  private final boolean live;
  private final int logEvery;
  private int epochs;
  private long lastDraw;
  private boolean classification;

  Progress(PrintWriter human, PrintWriter json, boolean live, int logEvery) {
    this.human = human;
    this.json = json;
    this.live = live;
    this.logEvery = logEvery;
  }

  @Override
  public void onStart(NetworkSpec spec, int epochs, int stepsPerEpoch, int trainRows) {
    this.epochs = epochs;
    this.classification = spec.task() != NetworkSpec.Task.REGRESSION; // sigmoid outputs: exact-match accuracy
    if (json == null) {
      human.printf(Locale.ROOT, "training %s: %,d parameters, %d epochs of %d steps (batch %d, %,d samples), %s%n",
          spec.modelName(), spec.parameterCount(), epochs, stepsPerEpoch, spec.batchSize(), trainRows,
          spec.kernels().startsWith("vector") ? "Vector API kernels" + (spec.mixed().isEmpty() ? "" : ", mixed precision (" + spec.mixed() + " products)")
              : "plain-Java kernels");
      human.flush();
    }
  }

  @Override
  public void onStep(int epoch, long step, int stepInEpoch, int stepsPerEpoch, double loss, double accuracy, double lr, double sps) {
    if (json != null) return;
    if (!live) return;
    long now = System.nanoTime();
    if (now - lastDraw < 100_000_000L && stepInEpoch + 1 < stepsPerEpoch) return;
    lastDraw = now;
    int width = 24, filled = (int) ((stepInEpoch + 1L) * width / stepsPerEpoch);
    double eta = (stepsPerEpoch - stepInEpoch - 1) * (sps > 0 ? 1.0 / sps : 0) * (stepsPerEpoch > 0 ? 1 : 0);
    human.printf(Locale.ROOT, "\repoch %d/%d [%s%s] %d/%d  loss %.4f%s  %,.0f samples/s  ", epoch, epochs,
        "=".repeat(filled), " ".repeat(width - filled), stepInEpoch + 1, stepsPerEpoch, loss,
        classification ? String.format(Locale.ROOT, "  acc %.4f", accuracy) : "", sps);
    human.flush();
  }

  @Override
  public boolean wantsStepDetail(long step) {
    return json != null && logEvery > 0 && step % logEvery == 0;
  }

  /** One JSON object per logged step: its 0-based number, epoch, the rate its update used, its batch loss and gradient norm. */
  @Override
  public void onStepDetail(int epoch, long step, double batchLoss, double gradientNorm, double lr) {
    json.printf(Locale.ROOT, "{\"event\":\"step\",\"step\":%d,\"epoch\":%d,\"lr\":%s,\"loss\":%s,\"grad_norm\":%s}%n",
        step, epoch, num(lr), num(batchLoss), num(gradientNorm));
  }

  @Override
  public void onFold(int fold, int folds, Metrics heldOut) {
    if (json != null) {
      json.printf(Locale.ROOT, "{\"event\":\"fold\",\"fold\":%d,\"folds\":%d,\"val_loss\":%s,\"val_accuracy\":%s}%n", fold, folds,
          num(heldOut.loss()), num(heldOut.accuracy()));
    } else {
      human.printf(Locale.ROOT, "fold %d/%d: val_loss %.4f%s%n", fold, folds, heldOut.loss(),
          classification ? String.format(Locale.ROOT, "  val_acc %.4f", heldOut.accuracy()) : "");
    }
  }

  @Override
  public void onOverflow(int epoch, long skipped, double lossScale) {
    if (json != null) {
      json.printf(Locale.ROOT, "{\"event\":\"overflow\",\"epoch\":%d,\"skipped_steps\":%d,\"loss_scale\":%s}%n", epoch, skipped, num(lossScale));
    } else {
      human.printf(Locale.ROOT, "epoch %d: fp16 gradients overflowed in %d step%s, which were skipped; loss scale now %.0f%n", epoch, skipped,
          skipped == 1 ? "" : "s", lossScale);
    }
  }

  @Override
  public void onUnfreeze(int epoch, java.util.List<String> layers) {
    if (json != null) {
      json.printf(Locale.ROOT, "{\"event\":\"unfreeze\",\"epoch\":%d,\"layers\":[%s]}%n", epoch,
          String.join(",", layers.stream().map(l -> "\"" + l + "\"").toList()));
    } else {
      human.printf(Locale.ROOT, "epoch %d: %s learn from here on (unfreeze)%n", epoch, String.join(", ", layers));
    }
  }

  @Override
  public void onEarlyStop(int stoppedAfter, int bestEpoch, String monitor, double best) {
    if (json != null) {
      json.printf(Locale.ROOT, "{\"event\":\"early_stop\",\"epoch\":%d,\"best_epoch\":%d,\"monitor\":\"%s\",\"best\":%s}%n",
          stoppedAfter, bestEpoch, monitor, num(best));
    } else {
      human.printf(Locale.ROOT, "early stopping after epoch %d: %s has not improved since epoch %d (%.4f)%n", stoppedAfter, monitor, bestEpoch, best);
    }
  }

  @Override
  public void onEpoch(EpochResult r) {
    if (json != null) {
      Metrics v = r.validation();
      json.printf(Locale.ROOT, "{\"event\":\"epoch\",\"epoch\":%d,\"step\":%d,\"loss\":%s,\"accuracy\":%s,\"val_loss\":%s,\"val_accuracy\":%s,\"lr\":%s,\"samples_per_s\":%.1f}%n",
          r.epoch(), r.steps(), num(r.trainLoss()), num(r.trainAccuracy()), v == null ? "null" : num(v.loss()),
          v == null ? "null" : num(v.accuracy()), num(r.learningRate()), r.samplesPerSecond());
      json.flush();
      return;
    }
    if (live) human.print("\r\033[K");
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d  loss %.4f", r.epoch(), epochs, r.trainLoss()));
    if (classification) sb.append(String.format(Locale.ROOT, "  acc %.4f", r.trainAccuracy()));
    if (r.validation() != null) {
      sb.append(String.format(Locale.ROOT, "  val_loss %.4f", r.validation().loss()));
      if (classification) sb.append(String.format(Locale.ROOT, "  val_acc %.4f", r.validation().accuracy()));
    }
    sb.append(String.format(Locale.ROOT, "  lr %.3g  %,.0f samples/s  %.1f s", r.learningRate(), r.samplesPerSecond(), r.seconds()));
    human.println(sb);
    human.flush();
  }

  @Override
  public void onTest(Metrics test) {
    if (json != null) {
      json.printf(Locale.ROOT, "{\"event\":\"test\",\"samples\":%d,\"loss\":%s,\"accuracy\":%s}%n", test.count(), num(test.loss()), num(test.accuracy()));
      json.flush();
    }
  }

  static String num(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "null";
  }
}

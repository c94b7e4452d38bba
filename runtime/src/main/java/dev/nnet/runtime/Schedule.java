package dev.nnet.runtime;

import java.util.List;

/**
 * The learning rate of every step, from the stages of a .nnet {@code schedule}. A stage's time t counts
 * epochs (the rate then stays fixed within an epoch) or optimizer steps, from the moment the stage
 * starts; η0 is the optimizer's rate:
 * <ul>
 *   <li>{@code constant}: η0
 *   <li>{@code step(every, gamma)}: η0·γ^⌊t/every⌋
 *   <li>{@code multistep(gamma, at...)}: η0·γ^(number of milestones ≤ t)
 *   <li>{@code exponential(gamma)}: η0·γ^t
 *   <li>{@code cosine(T, min)}: min + (η0 − min)(1 + cos(π·min(t, T)/T))/2; T = 0 means until the end of training
 *   <li>{@code cosine_restarts(period, mult, min)} (SGDR): the cosine over cycles of period·multⁱ, each restarting at η0
 *   <li>{@code warmup(length, from)}: from + (η0 − from)·t/length for t &lt; length, then the next stage; a
 *       warm-up always ramps step by step, also when its length is given in epochs
 *   <li>{@code plateau(patience, factor, min, threshold)}: η0 times factor for every {@code patience}
 *       epochs without the monitored metric improving by a relative {@code threshold}, never below min
 * </ul>
 * Only warmup can come before {@code then}. The order "use the rate, update, then advance" is the
 * trainer's, not the user's: {@link #rate} is asked before each step, {@link #endEpoch} after each epoch.
 */
public final class Schedule {
  private final List<TrainingPlan.Stage> stages;
  private final double base;
  private final int stepsPerEpoch;
  private final int epochs;
  // plateau state: the reduction so far, the best metric, epochs without improvement
  private double plateauScale = 1, plateauBest = Double.NaN;
  private int plateauBad;

  public Schedule(List<TrainingPlan.Stage> stages, double base, int stepsPerEpoch, int epochs) {
    this.stages = stages == null || stages.isEmpty() ? List.of(new TrainingPlan.Stage("constant", false, new double[0], "")) : stages;
    this.base = base;
    this.stepsPerEpoch = Math.max(1, stepsPerEpoch);
    this.epochs = epochs;
  }

  /** The rate for the optimizer step with global index {@code step} (0-based). */
  public double rate(long step) {
    long start = 0; // in steps
    for (int i = 0; i < stages.size(); i++) {
      TrainingPlan.Stage s = stages.get(i);
      long length = i == stages.size() - 1 ? Long.MAX_VALUE : (long) (s.args()[0] * (s.perStep() ? 1 : stepsPerEpoch));
      if (step - start < length) return at(s, step - start, start);
      start += length;
    }
    throw new IllegalStateException("unreachable: the last stage never ends");
  }

  private double at(TrainingPlan.Stage s, long stepsIn, long startStep) {
    double t = s.perStep() ? stepsIn : Math.floor((double) stepsIn / stepsPerEpoch);
    if (s.kind().equals("warmup")) t = stepsIn;
    double[] a = s.args();
    return switch (s.kind()) {
      case "constant" -> base;
      case "step" -> base * Math.pow(a[1], Math.floor(t / a[0]));
      case "multistep" -> {
        int passed = 0;
        for (int i = 1; i < a.length; i++) if (t >= a[i]) passed++;
        yield base * Math.pow(a[0], passed);
      }
      case "exponential" -> base * Math.pow(a[0], t);
      case "cosine" -> {
        double T = a[0] > 0 ? a[0] : remaining(s, startStep);
        yield a[1] + (base - a[1]) * (1 + Math.cos(Math.PI * Math.min(t, T) / T)) / 2;
      }
      case "cosine_restarts" -> {
        double period = a[0], tc = t;
        while (tc >= period) {
          tc -= period;
          period *= a[1];
        }
        yield a[2] + (base - a[2]) * (1 + Math.cos(Math.PI * tc / period)) / 2;
      }
      case "warmup" -> a[1] + (base - a[1]) * t / (a[0] * (s.perStep() ? 1 : stepsPerEpoch));
      case "plateau" -> Math.max(base * plateauScale, a[2]);
      default -> throw new IllegalArgumentException("unknown schedule " + s.kind());
    };
  }

  /** Time from a stage's start to the end of training, in its units (cosine's default T). */
  private double remaining(TrainingPlan.Stage s, long startStep) {
    long total = (long) epochs * stepsPerEpoch - startStep;
    return Math.max(1, s.perStep() ? total : Math.ceil((double) total / stepsPerEpoch));
  }

  /**
   * After an epoch, with its metrics: plateau decides whether to reduce.
   *
   * @param metrics the epoch's monitored values by name (val_loss, val_accuracy, loss, accuracy)
   */
  public void endEpoch(java.util.Map<String, Double> metrics) {
    TrainingPlan.Stage last = stages.get(stages.size() - 1);
    if (!last.kind().equals("plateau")) return;
    Double value = metrics.get(last.monitor());
    if (value == null || value.isNaN()) return;
    boolean max = last.monitor().endsWith("accuracy");
    double threshold = last.args()[3];
    boolean better = Double.isNaN(plateauBest)
        || (max ? value > plateauBest * (1 + threshold) : value < plateauBest * (1 - threshold));
    if (better) {
      plateauBest = value;
      plateauBad = 0;
    } else if (++plateauBad > last.args()[0]) {
      plateauScale *= last.args()[1];
      plateauBad = 0;
    }
  }

  /** The state {@link #endEpoch} keeps, for checkpoints. */
  public double[] state() {
    return new double[] {plateauScale, plateauBest, plateauBad};
  }

  public void restore(double[] state) {
    if (state == null || state.length < 3) return;
    plateauScale = state[0];
    plateauBest = state[1];
    plateauBad = (int) state[2];
  }
}

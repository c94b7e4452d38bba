package dev.nnet.runtime;

import java.util.List;
import java.util.Map;

/**
 * What the .nnet file says about training and data, resolved with defaults. Generated classes embed it,
 * so a trainer compiled at build time knows how to train itself.
 */
public record TrainingPlan(int epochs, long seed, boolean shuffle, double learningRate, String optimizer,
                           Data data, List<Stage> schedule, EarlyStopping earlyStopping, int checkpointEvery, List<Transfer> transfers,
                           List<Unfreeze> unfreezes, String report) {

  public TrainingPlan(int epochs, long seed, boolean shuffle, double learningRate, String optimizer,
                      Data data, List<Stage> schedule, EarlyStopping earlyStopping, int checkpointEvery, List<Transfer> transfers,
                      List<Unfreeze> unfreezes) {
    this(epochs, seed, shuffle, learningRate, optimizer, data, schedule, earlyStopping, checkpointEvery, transfers, unfreezes, null);
  }

  /**
   * The same plan with {@code report "run.html"}: where {@code nnet train} writes its HTML training report
   * (relative to the working directory, as the checkpoint). Null for none. Only the command line acts on it.
   */
  public TrainingPlan withReport(String path) {
    return new TrainingPlan(epochs, seed, shuffle, learningRate, optimizer, data, schedule, earlyStopping, checkpointEvery, transfers, unfreezes, path);
  }

  /** The same plan reading other data (a cluster's executor reads its local copy of the files). */
  public TrainingPlan withData(Data d) {
    return new TrainingPlan(epochs, seed, shuffle, learningRate, optimizer, d, schedule, earlyStopping, checkpointEvery, transfers, unfreezes, report);
  }

  public TrainingPlan(int epochs, long seed, boolean shuffle, double learningRate, String optimizer,
                      Data data, List<Stage> schedule, EarlyStopping earlyStopping, int checkpointEvery) {
    this(epochs, seed, shuffle, learningRate, optimizer, data, schedule, earlyStopping, checkpointEvery, List.of(), List.of());
  }

  public TrainingPlan(int epochs, long seed, boolean shuffle, double learningRate, String optimizer,
                      Data data, List<Stage> schedule, EarlyStopping earlyStopping, int checkpointEvery, List<Transfer> transfers) {
    this(epochs, seed, shuffle, learningRate, optimizer, data, schedule, earlyStopping, checkpointEvery, transfers, List.of());
  }

  /**
   * {@code unfreeze a, b at epoch 3}: layers frozen until that epoch learn from its first step on. Phase k
   * (1-based, in the file's order) is switched by {@link Network#setLearning}.
   *
   * @param epoch  the 1-based epoch from which the layers learn
   * @param layers the layers, by name
   */
  public record Unfreeze(int epoch, List<String> layers) {}

  /** Unfreezes, for generated code. */
  public static List<Unfreeze> unfreezes(Unfreeze... u) {
    return List.of(u);
  }

  /**
   * {@code from "path" load ...}: before the first step, these tensors (state_dict names) are replaced by the
   * file's, over the initialization.
   *
   * @param path    an nnet checkpoint or a PyTorch-layout .npz state_dict, as written; relative to the .nnet file's folder
   * @param tensors the tensors to take, each checked against the file when the .nnet file was compiled
   */
  public record Transfer(String path, List<String> tensors) {}

  /** Transfers, for generated code. */
  public static List<Transfer> transfers(Transfer... t) {
    return List.of(t);
  }

  /** No transfers, for generated code (Janino reads {@code transfers()} as the record's accessor). */
  public static List<Transfer> noTransfers() {
    return List.of();
  }

  /** Names, for generated code. */
  public static List<String> names(String... n) {
    return List.of(n);
  }

  /**
   * One stage of the learning-rate schedule; stages run one after another ({@code warmup(...) then cosine(...)}).
   *
   * @param kind    constant, step, multistep, exponential, cosine, cosine_restarts, warmup or plateau
   * @param perStep whether its time counts optimizer steps (else epochs)
   * @param args    its numbers, in the order {@link Schedule} documents for each kind
   * @param monitor the metric plateau watches (val_loss, val_accuracy, loss, accuracy); empty otherwise
   */
  public record Stage(String kind, boolean perStep, double[] args, String monitor) {}

  /**
   * Stop when {@code monitor} has not improved by more than {@code minDelta} for {@code patience} epochs.
   *
   * @param restoreBest put back the weights of the best epoch at the end
   */
  public record EarlyStopping(String monitor, int patience, double minDelta, boolean restoreBest) {}

  /** The stages of a schedule; for generated code, which cannot call List.of through Janino. */
  public static List<Stage> stages(Stage... stages) {
    return List.of(stages);
  }

  /**
   * @param directory  where relative paths are resolved (relative itself to the .nnet file's folder); may be empty
   * @param train      the training set, or null when the file names none
   * @param test       the test set, used once after training, or null
   * @param scale      each feature is multiplied by it when read (1/255 for bytes to [0, 1])
   * @param validation fraction of the training set held out for validation, 0 for none
   * @param stratify   whether splits keep each class's share
   * @param folds      k of k-fold cross-validation, 0 for none
   * @param preprocess the transform fitted on the training split
   * @param augment    the random changes made to training samples, in order
   * @param classes    the classes kept, relabelled 0, 1, ... in this order (training and test); empty: all
   * @param perClass   at most this many training samples per class, the first in the file; 0: all
   */
  public record Data(String directory, Source train, Source test, double scale, double validation, boolean stratify, int folds,
                     Preprocessor.Spec preprocess, List<Augment> augment, List<Integer> classes, int perClass) {

    public Data(String directory, Source train, Source test, double scale, double validation, boolean stratify, int folds,
                Preprocessor.Spec preprocess, List<Augment> augment) {
      this(directory, train, test, scale, validation, stratify, folds, preprocess, augment, List.of(), 0);
    }

    /** The training files (the paths as the sources write them, under {@code dir} if any), without the test set. */
    public Data trainingOnlyFrom(String dir) {
      return new Data(dir, train, null, scale, validation, stratify, folds, preprocess, augment, classes, perClass);
    }
  }

  /** Whole numbers, for generated code. */
  public static List<Integer> ints(int... v) {
    Integer[] boxed = new Integer[v.length];
    for (int i = 0; i < v.length; i++) boxed[i] = v[i];
    return List.of(boxed);
  }

  /**
   * One augmentation: noise(std), mirror, crop(pad), rotate(degrees), zoom(amount).
   *
   * @param amount its one number (std, pad, degrees or amount; unused by mirror)
   */
  public record Augment(String kind, double amount) {}

  /** Augmentations, for generated code. */
  public static List<Augment> augments(Augment... a) {
    return List.of(a);
  }

  /**
   * A data source: {@code idx(images, labels)} or {@code csv(path, label: ..., header: ...)}.
   *
   * @param format  "idx" or "csv"
   * @param paths   the files, as written
   * @param options reader options as written (e.g. label → "species", header → "true")
   */
  public record Source(String format, List<String> paths, Map<String, String> options) {}

  /** A list of paths; for generated code, which cannot call List.of through Janino. */
  public static List<String> paths(String... paths) {
    return List.of(paths);
  }

  /** Reader options from alternating keys and values; for generated code. */
  public static Map<String, String> options(String... keysAndValues) {
    java.util.TreeMap<String, String> m = new java.util.TreeMap<>();
    for (int i = 0; i + 1 < keysAndValues.length; i += 2) m.put(keysAndValues[i], keysAndValues[i + 1]);
    return java.util.Collections.unmodifiableMap(m);
  }
}

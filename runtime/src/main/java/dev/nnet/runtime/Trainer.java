package dev.nnet.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Drives a generated {@link Network}: epochs of seeded shuffled minibatches, validation each epoch, the
 * test set once at the end, checkpoints, prediction. The last incomplete batch of an epoch is dropped
 * (the batch size is compiled into the network); evaluation covers every sample.
 *
 * <pre>{@code
 * Trainer trainer = Nnet.compile(Path.of("samples/iris.nnet"));
 * TrainingReport report = trainer.fit();          // the data and settings of the file
 * trainer.save(Path.of("iris.ckpt"));
 * float[] probabilities = trainer.predict(new float[] {5.1f, 3.5f, 1.4f, 0.2f});
 * }</pre>
 */
public final class Trainer {
  private static final long SHUFFLE_STREAM = 1, AUGMENT_STREAM = 4;

  private final Network net;
  private final NetworkSpec spec;
  private Path dataDirectory;
  private FileAccess fileAccess = FileAccess.ownFolder();
  private TrainingListener listener = TrainingListener.NONE;
  private Path checkpointPath;
  private boolean overwrite;
  private int epochs;
  private long maxSteps = Long.MAX_VALUE;
  private Checkpoint.Position position;
  // the batch pipeline, used when the file preprocesses or augments: rows → augment → scale → preprocess → stage
  private Preprocessor preprocessor;
  private final Augmenter augmenter;
  private Rng augmentRng;
  private float[] row, batchX;
  private double[] wideRow;
  private double[] work;
  private Dataset batch;

  /** A trainer for {@code net}, sharing each step among one thread per available processor ({@link #threads}). */
  public Trainer(Network net) {
    this.net = net;
    this.spec = net.spec();
    net.setThreads(Team.defaultSize());
    this.epochs = spec.plan().epochs();
    net.initialize(spec.plan().seed());
    this.position = Checkpoint.Position.start(Rng.derive(spec.plan().seed(), SHUFFLE_STREAM), Rng.derive(spec.plan().seed(), AUGMENT_STREAM));
    this.augmenter = new Augmenter(spec.plan().data().augment(), spec.inputShape());
  }

  public Network network() {
    return net;
  }

  public NetworkSpec spec() {
    return spec;
  }

  /**
   * Shares each step's large products among {@code n} threads (1: the calling thread only). The results
   * are bit-identical for every {@code n}; the speed-up needs that many idle cores.
   */
  public Trainer threads(int n) {
    if (n < 1) throw new NnetException("the thread count must be at least 1, got " + n, null);
    net.setThreads(n);
    return this;
  }

  /** The folder relative data paths are resolved against (the .nnet file's folder). */
  public Trainer dataDirectory(Path dir) {
    this.dataDirectory = dir;
    return this;
  }

  /** Which files the .nnet file's data paths may name (see {@link FileAccess}); its folder and absolute paths by default. */
  public Trainer fileAccess(FileAccess access) {
    this.fileAccess = access;
    return this;
  }

  /** The file's training, validation and test data, read under this trainer's file access. */
  public DataLoader.Splits data() {
    return DataLoader.load(spec, dataDirectory, fileAccess);
  }

  public Trainer listener(TrainingListener l) {
    this.listener = l == null ? TrainingListener.NONE : l;
    return this;
  }

  /** Overrides the file's epoch count. */
  public Trainer epochs(int n) {
    if (n < 1) throw new IllegalArgumentException("epochs must be at least 1, got " + n);
    this.epochs = n;
    return this;
  }

  /** Stops after this many optimizer steps in total (for comparisons and quick checks). */
  public Trainer maxSteps(long n) {
    this.maxSteps = n;
    return this;
  }

  /**
   * Writes a checkpoint here after every epoch and at the end. {@link #fit} refuses to start when the file
   * holds more training than this trainer has done (it would be replaced by a less trained one), unless
   * {@link #overwrite} allows it.
   */
  public Trainer checkpointTo(Path path) {
    this.checkpointPath = path;
    return this;
  }

  /** Lets {@link #fit} replace a checkpoint that holds more steps than this trainer starts from. */
  public Trainer overwrite(boolean allowed) {
    this.overwrite = allowed;
    return this;
  }

  // whether the file's 'from ... load' weights are in (they go in before the first step of a fresh start)
  private boolean transferred;

  /** Loads the tensors the file's {@code from "..." load ...} lines name over the initialization. */
  private void transfer() {
    for (TrainingPlan.Transfer t : spec.plan().transfers()) {
      fileAccess.checkOpen(dataDirectory, t.path());
      Path file = dataDirectory == null ? Path.of(t.path()) : dataDirectory.resolve(t.path());
      StateDict.loadTensors(net, file, t.tensors());
    }
    transferred = true;
  }

  /** Re-initializes the parameters from another seed (the file's seed is the default). */
  public Trainer reinitialize(long seed) {
    transferred = false;
    net.initialize(seed);
    position = Checkpoint.Position.start(Rng.derive(seed, SHUFFLE_STREAM), Rng.derive(seed, AUGMENT_STREAM));
    preprocessor = null;
    return this;
  }

  /** Trains on the data the .nnet file names. */
  public TrainingReport fit() {
    DataLoader.Splits s = data();
    return fit(s.train(), s.validation(), s.test());
  }

  /**
   * Trains on {@code train}, validating each epoch on {@code validation} and testing once on {@code test} (both
   * may be null). While it runs, it holds the checkpoint's lock (see {@link Checkpoint.Lock}).
   */
  public TrainingReport fit(Dataset train, Dataset validation, Dataset test) {
    try (Checkpoint.Lock lock = checkpointPath == null ? null : Checkpoint.lock(checkpointPath)) {
      return train(train, validation, test);
    }
  }

  private TrainingReport train(Dataset train, Dataset validation, Dataset test) {
    TrainingPlan plan = spec.plan();
    if (position.stepsDone() == 0 && !transferred) transfer();
    int batch = spec.batchSize();
    int stepsPerEpoch = train.rows() / batch;
    if (stepsPerEpoch == 0) {
      throw new DataException(train.name() + " has " + train.rows() + " samples, fewer than one batch of " + batch,
          "lower 'batch' in the training block to at most " + train.rows());
    }
    guardCheckpoint();
    TrainingPlan.EarlyStopping stopping = plan.earlyStopping();
    if (stopping != null && stopping.monitor().startsWith("val_") && validation == null) {
      throw new DataException("early stopping monitors " + stopping.monitor() + " but there is no validation set",
          "add  validation 0.1  to the data block, or monitor loss");
    }
    if (preprocessor == null && !plan.data().preprocess().kind().equals("none")) {
      preprocessor = Preprocessor.fit(plan.data().preprocess(), train, plan.data().scale());
    }
    augmentRng = new Rng(position.augmentState());
    Schedule schedule = new Schedule(plan.schedule(), plan.learningRate(), stepsPerEpoch, epochs);
    schedule.restore(position.scheduleState());
    Stopper stopper = stopping == null ? null : new Stopper(stopping, position);
    listener.onStart(spec, epochs, stepsPerEpoch, train.rows());
    int[] order = Dataset.identity(train.rows());
    Rng shuffle = new Rng(position.shuffleState());
    List<EpochResult> results = new ArrayList<>();
    long step = position.stepsDone();
    long started = System.nanoTime();
    boolean stoppedEarly = false;
    long skippedBefore = net.skippedSteps();
    for (int epoch = position.epochsDone() + 1; epoch <= epochs && step < maxSteps && !stoppedEarly; epoch++) {
      long epochStart = System.nanoTime();
      for (int k = 0; k < plan.unfreezes().size(); k++) {
        // from a resumed checkpoint too: a phase began at its epoch's first step
        int from = plan.unfreezes().get(k).epoch();
        boolean on = epoch >= from;
        net.setLearning(k + 1, on, (int) Math.min(Integer.MAX_VALUE, (long) (from - 1) * stepsPerEpoch));
        if (on && epoch == from) listener.onUnfreeze(epoch, plan.unfreezes().get(k).layers());
      }
      if (plan.shuffle()) {
        // each epoch's order depends only on the generator's state, so a resumed run shuffles alike
        for (int i = 0; i < order.length; i++) order[i] = i;
        shuffle.shuffle(order);
      }
      double lossSum = 0, lr = schedule.rate(step);
      long correct = 0;
      int done = 0;
      for (int s = 0; s < stepsPerEpoch && step < maxSteps; s++, step++) {
        lr = schedule.rate(step);
        stage(train, order, s * batch, batch, true);
        double loss = net.trainStep(lr);
        if (!Double.isFinite(loss)) {
          listener.onNonFinite(epoch, step, loss, net.firstNonFinite());
          throw nonFinite(step, epoch, loss);
        }
        lossSum += loss;
        correct += net.correct(batch);
        done++;
        if (listener.wantsStepDetail(step)) listener.onStepDetail(epoch, step, loss, net.gradientNorm(), lr);
        double seconds = (System.nanoTime() - epochStart) * 1e-9;
        listener.onStep(epoch, step, s, stepsPerEpoch, lossSum / done, correct / (double) (done * batch), lr,
            done * batch / Math.max(seconds, 1e-9));
      }
      double seconds = (System.nanoTime() - epochStart) * 1e-9;
      long skipped = net.skippedSteps() - skippedBefore;
      skippedBefore = net.skippedSteps();
      if (skipped > 0) listener.onOverflow(epoch, skipped, net.lossScale());
      Metrics val = validation == null ? null : evaluate(validation);
      boolean classes = spec.task() != NetworkSpec.Task.REGRESSION;
      EpochResult r = new EpochResult(epoch, step, lossSum / Math.max(1, done),
          classes ? correct / (double) Math.max(1, done * batch) : Double.NaN, val, lr, done * batch / Math.max(seconds, 1e-9), seconds);
      results.add(r);
      java.util.Map<String, Double> metrics = new java.util.HashMap<>();
      metrics.put("loss", r.trainLoss());
      metrics.put("accuracy", r.trainAccuracy());
      if (val != null) {
        metrics.put("val_loss", val.loss());
        metrics.put("val_accuracy", val.accuracy());
      }
      schedule.endEpoch(metrics);
      if (stopper != null) stoppedEarly = stopper.endEpoch(epoch, metrics);
      position = new Checkpoint.Position(epoch, step, shuffle.state(), schedule.state(),
          stopper == null ? new double[0] : stopper.state(), stopper == null ? new double[0] : stopper.best, augmentRng.state(),
          preprocessor == null ? new double[0] : preprocessor.state(), train.classNames() != null ? train.classNames() : position.classNames());
      if (listener.wantsLayerStats()) listener.onLayerStats(epoch, measureLayers(validation != null ? validation : train));
      listener.onEpoch(r);
      boolean last = epoch == epochs || stoppedEarly || step >= maxSteps;
      if (checkpointPath != null && (last || epoch % Math.max(1, plan.checkpointEvery()) == 0)) save(checkpointPath);
    }
    int bestEpoch = 0;
    if (stopper != null) {
      bestEpoch = stopper.bestEpoch;
      if (stoppedEarly) listener.onEarlyStop(position.epochsDone(), stopper.bestEpoch, stopping.monitor(), stopper.bestValue);
      if (stopping.restoreBest() && stopper.best.length > 0) {
        Arena p = net.parameters();
        for (int i = 0; i < stopper.best.length; i++) p.set(i, stopper.best[i]);
        net.parametersChanged();
      }
    }
    Metrics testMetrics = test == null ? null : evaluate(test);
    if (testMetrics != null) listener.onTest(testMetrics);
    return new TrainingReport(results, testMetrics, step, (System.nanoTime() - started) * 1e-9, bestEpoch, stoppedEarly);
  }

  /** Refuses to start when the checkpoint file would be replaced by one with fewer steps (or is not a checkpoint at all). */
  private void guardCheckpoint() {
    if (checkpointPath == null || overwrite || !java.nio.file.Files.exists(checkpointPath)) return;
    long existing = Checkpoint.stepsIn(checkpointPath);
    if (existing >= 0 && existing <= position.stepsDone()) return;
    throw new NnetException(existing < 0
        ? checkpointPath + " exists and is not an nnet checkpoint; training would replace it"
        : checkpointPath + " already holds a model trained for " + existing + " steps; training from step " + position.stepsDone()
            + " would replace it with a less trained one",
        "continue it with --resume, write elsewhere with --out FILE, or replace it with --overwrite");
  }

  /** Early stopping: the best monitored value, how long since it improved, and the best weights. */
  private final class Stopper {
    final TrainingPlan.EarlyStopping rule;
    double bestValue = Double.NaN;
    int waited, bestEpoch;
    double[] best = new double[0];

    Stopper(TrainingPlan.EarlyStopping rule, Checkpoint.Position from) {
      this.rule = rule;
      double[] s = from.stopperState();
      if (s.length == 3) {
        bestValue = s[0];
        waited = (int) s[1];
        bestEpoch = (int) s[2];
        best = from.bestParams();
      }
    }

    /** Returns whether to stop after this epoch. */
    boolean endEpoch(int epoch, java.util.Map<String, Double> metrics) {
      double v = metrics.getOrDefault(rule.monitor(), Double.NaN);
      boolean max = rule.monitor().endsWith("accuracy");
      boolean improved = Double.isNaN(bestValue) || (max ? v > bestValue + rule.minDelta() : v < bestValue - rule.minDelta());
      if (improved) {
        bestValue = v;
        bestEpoch = epoch;
        waited = 0;
        if (rule.restoreBest()) {
          Arena p = net.parameters();
          if (best.length != p.size()) best = new double[p.size()];
          for (int i = 0; i < best.length; i++) best[i] = p.get(i);
        }
        return false;
      }
      return ++waited >= rule.patience();
    }

    double[] state() {
      return new double[] {bestValue, waited, bestEpoch};
    }
  }

  /**
   * k-fold cross-validation on the file's training data (k from {@code folds} in the data block): every fold
   * trains from fresh weights (a seed derived from the file's and the fold's) on the other folds, with its
   * own preprocessing fitted on them, and is evaluated on the rows it held out. The trainer is reset
   * afterwards, ready to train the final model.
   */
  public CrossValidation crossValidate() {
    DataLoader.Splits s = data();
    return crossValidate(s.train(), spec.plan().data().folds());
  }

  public CrossValidation crossValidate(Dataset data, int k) {
    TrainingPlan plan = spec.plan();
    int[][] folds = data.folds(k, Rng.derive(plan.seed(), 5), plan.data().stratify());
    java.util.List<Metrics> results = new java.util.ArrayList<>();
    for (int f = 0; f < k; f++) {
      reinitialize(Rng.derive(plan.seed(), 100 + f));
      Dataset held = data.select(data.name() + " (fold " + (f + 1) + ")", folds[f]);
      fit(data.without(data.name() + " (without fold " + (f + 1) + ")", folds[f]), held, null);
      Metrics m = evaluate(held);
      results.add(m);
      listener.onFold(f + 1, k, m);
    }
    reinitialize(plan.seed());
    return CrossValidation.of(results, spec.task() != NetworkSpec.Task.REGRESSION);
  }

  /**
   * Runs the first batch of {@code data} forward (training mode) and backward, measures every layer, and
   * with {@code steps} > 0 trains that many steps on {@code data} and measures the same batch again.
   * Returns one list of statistics per measurement.
   */
  public List<List<Diagnosis.LayerStats>> diagnose(Dataset data, int steps) {
    if (preprocessor == null && !spec.plan().data().preprocess().kind().equals("none")) {
      preprocessor = Preprocessor.fit(spec.plan().data().preprocess(), data, spec.plan().data().scale());
    }
    int b = spec.batchSize();
    if (data.rows() < b) throw new DataException(data.name() + " has fewer samples than one batch (" + b + ")", null);
    int[] order = Dataset.identity(data.rows());
    List<List<Diagnosis.LayerStats>> out = new ArrayList<>();
    stage(data, order, 0, b, false);
    net.computeGradients();
    out.add(Diagnosis.measure(net));
    if (steps > 0) {
      Schedule schedule = new Schedule(spec.plan().schedule(), spec.plan().learningRate(), Math.max(1, data.rows() / b), epochs);
      for (int s = 0; s < steps; s++) {
        stage(data, order, (s % (data.rows() / b)) * b, b, false);
        net.trainStep(schedule.rate(s));
      }
      stage(data, order, 0, b, false);
      net.computeGradients();
      out.add(Diagnosis.measure(net));
    }
    return out;
  }

  /**
   * Every layer's statistics on the first batch of {@code data} (forward in training mode, and backward), leaving
   * everything as it was: the running statistics batchnorm updates and the dropout generator are put back, so a
   * run that measures trains bit-identically to one that does not.
   */
  private List<Diagnosis.LayerStats> measureLayers(Dataset data) {
    int b = spec.batchSize();
    if (data.rows() < b) return List.of();
    Arena p = net.parameters();
    double[] saved = new double[p.size()];
    for (int i = 0; i < saved.length; i++) saved[i] = p.get(i);
    long noise = net.noiseState();
    stage(data, IDENTITY.length >= data.rows() ? IDENTITY : Dataset.identity(data.rows()), 0, b, false);
    net.computeGradients();
    List<Diagnosis.LayerStats> stats = Diagnosis.measure(net);
    for (int i = 0; i < saved.length; i++) p.set(i, saved[i]);
    net.setNoiseState(noise);
    net.parametersChanged();
    return stats;
  }

  private TrainingException nonFinite(long step, int epoch, double loss) {
    String layer = net.firstNonFinite();
    String where = layer == null ? "" : "; the first layer with non-finite values is '" + layer + "'";
    return new TrainingException("the loss became " + loss + " at step " + step + " (epoch " + epoch + ")" + where
        + (checkpointPath != null && java.nio.file.Files.exists(checkpointPath)
            ? "; the last checkpoint (" + checkpointPath + ") is from before it and is kept" : ""),
        "lower the learning rate, or check the data for extreme values (is it scaled?)");
  }

  /** Loss and accuracy over every sample of {@code data}, in evaluation mode. */
  public Metrics evaluate(Dataset data) {
    int batch = spec.batchSize();
    int[] order = Dataset.identity(data.rows());
    double loss = 0;
    long correct = 0;
    for (int from = 0; from < data.rows(); from += batch) {
      int count = Math.min(batch, data.rows() - from);
      stage(data, order, from, count, false);
      loss += net.evaluate(count);
      correct += net.correct(count);
    }
    double acc = spec.task() != NetworkSpec.Task.REGRESSION ? correct / (double) data.rows() : Double.NaN;
    return new Metrics(data.rows(), loss / data.rows(), acc);
  }

  /** The network's output for one sample of raw features (scaled as the file says): class probabilities, or values. */
  public float[] predict(float[] features) {
    return predict(new float[][] {features})[0];
  }

  /** Outputs for many samples. */
  public float[][] predict(float[][] samples) {
    int in = 1;
    for (int d : spec.inputShape()) in *= d;
    float[] flat = new float[samples.length * in];
    for (int i = 0; i < samples.length; i++) {
      if (samples[i].length != in) {
        throw new DataException("sample " + i + " has " + samples[i].length + " features, the network takes " + in, null);
      }
      for (int j = 0; j < in; j++) {
        if (!Float.isFinite(samples[i][j])) {
          throw new DataException("sample " + i + " has " + samples[i][j] + " as feature " + j, "every feature must be a finite number, as in training");
        }
      }
      System.arraycopy(samples[i], 0, flat, i * in, in);
    }
    Dataset d = Dataset.regression("input", in, flat, new float[samples.length * spec.outputSize()], spec.outputSize());
    float[][] out = new float[samples.length][spec.outputSize()];
    int batch = spec.batchSize();
    int[] order = Dataset.identity(samples.length);
    for (int from = 0; from < samples.length; from += batch) {
      int count = Math.min(batch, samples.length - from);
      stage(d, order, from, count, false);
      net.evaluate(count);
      for (int r = 0; r < count; r++) net.output(r, out[from + r]);
    }
    return out;
  }

  /**
   * Stages rows {@code order[from..from+count)} into the network. Without preprocessing or augmentation the
   * network copies and scales them itself; otherwise each row goes through the pipeline into a reused batch,
   * in float64 when the network is float64 and the set carries float64 values (augmentations, which move
   * pixels, compute in float32 and are widened back).
   */
  private void stage(Dataset data, int[] order, int from, int count, boolean training) {
    double scale = spec.plan().data().scale();
    boolean augment = training && augmenter.active();
    if (preprocessor == null && !augment) {
      net.stage(data, order, from, count, scale);
      return;
    }
    boolean wide = data.wideFeatures() != null && spec.precision() == Precision.FLOAT64;
    int raw = data.featureSize(), in = spec.inputSize(), b = spec.batchSize();
    if (batch == null || (batch.wideFeatures() != null) != wide) {
      row = new float[raw];
      wideRow = new double[raw];
      work = new double[raw];
      batchX = new float[b * in];
      double[] wideX = wide ? new double[b * in] : null;
      batch = spec.task() == NetworkSpec.Task.CLASSIFICATION || data.hasLabels()
          ? Dataset.classification("batch", in, batchX, new int[b], spec.outputSize())
          : Dataset.regression("batch", in, batchX, new float[b * spec.outputSize()], spec.outputSize());
      if (wide) batch = batch.wide(wideX, batch.targets() == null ? null : new double[batch.targets().length]);
    }
    float fscale = (float) scale;
    for (int r = 0; r < count; r++) {
      int s = order[from + r];
      if (wide) {
        for (int j = 0; j < raw; j++) wideRow[j] = data.wideFeatures()[s * raw + j] * scale;
        if (augment) {
          for (int j = 0; j < raw; j++) row[j] = (float) wideRow[j];
          augmenter.apply(row, 0, augmentRng);
          for (int j = 0; j < raw; j++) wideRow[j] = row[j];
        }
        if (preprocessor != null) preprocessor.apply(wideRow, 0, batch.wideFeatures(), r * in, work);
        else System.arraycopy(wideRow, 0, batch.wideFeatures(), r * in, in);
      } else {
        for (int j = 0; j < raw; j++) row[j] = data.features()[s * raw + j] * fscale;
        if (augment) augmenter.apply(row, 0, augmentRng);
        if (preprocessor != null) preprocessor.apply(row, 0, batchX, r * in, work);
        else System.arraycopy(row, 0, batchX, r * in, in);
      }
      if (batch.labels() != null) batch.labels()[r] = data.labels() == null ? 0 : data.labels()[s];
      if (batch.targets() != null && data.targets() != null) {
        System.arraycopy(data.targets(), s * data.targetSize(), batch.targets(), r * data.targetSize(), data.targetSize());
        if (wide && batch.wideTargets() != null) {
          int n = data.targetSize();
          for (int j = 0; j < n; j++) {
            batch.wideTargets()[r * n + j] = data.wideTargets() != null ? data.wideTargets()[s * n + j] : data.targets()[s * n + j];
          }
        }
      }
    }
    net.stage(batch, IDENTITY.length >= count ? IDENTITY : Dataset.identity(count), 0, count, 1.0);
  }

  private static final int[] IDENTITY = Dataset.identity(1 << 16);

  public void save(Path path) {
    Checkpoint.save(net, position, path, history == null ? null : history.get());
  }

  private java.util.function.Supplier<byte[]> history;

  /**
   * What each checkpoint should also hold of the run (a report's record of it, for {@code nnet report CKPT}):
   * asked for at every save; null for nothing.
   */
  public Trainer history(java.util.function.Supplier<byte[]> h) {
    this.history = h;
    return this;
  }

  // online training: one batch from application code, in buffers kept between calls
  private Dataset online;
  private int[] onlineOrder;

  /**
   * One optimizer step on one batch that application code hands over (online learning): row i's raw features
   * (as the data files hold them; scaled and preprocessed as {@link #fit} does, with the statistics of an earlier
   * fit or checkpoint) and its class. As many rows as the file's batch size; the file's base learning rate (a
   * schedule counts epochs of a data set, which this has none of). Returns the batch's mean loss. Allocates
   * nothing after the first call.
   */
  public double trainBatch(float[][] features, int[] labels) {
    int b = spec.batchSize(), raw = 1;
    for (int d : spec.inputShape()) raw *= d;
    if (spec.task() != NetworkSpec.Task.CLASSIFICATION) {
      throw new IllegalArgumentException("trainBatch(features, labels) trains a classifier; " + spec.modelName() + " predicts values");
    }
    if (features.length != b || labels.length != b) {
      throw new IllegalArgumentException("a batch of " + b + " rows, as the file's batch size says; got " + features.length + " rows and " + labels.length + " labels");
    }
    if (preprocessor == null && !spec.plan().data().preprocess().kind().equals("none")) {
      throw new NnetException("the file preprocesses its inputs (" + spec.plan().data().preprocess().kind() + ") but no statistics are fitted yet",
          "fit on a data set first, or load a checkpoint of a trained model");
    }
    if (online == null) {
      online = Dataset.classification("online", raw, new float[b * raw], new int[b], spec.outputSize());
      onlineOrder = Dataset.identity(b);
    }
    for (int r = 0; r < b; r++) {
      if (features[r].length != raw) throw new IllegalArgumentException("row " + r + " has " + features[r].length + " features, expected " + raw);
      System.arraycopy(features[r], 0, online.features(), r * raw, raw);
      online.labels()[r] = labels[r];
    }
    stage(online, onlineOrder, 0, b, true);
    double loss = net.trainStep(spec.plan().learningRate());
    if (!Double.isFinite(loss)) throw nonFinite(net.optimizerSteps(), 0, loss);
    return loss;
  }

  /** Writes the weights only, for inference (see {@link Checkpoint#saveWeights}): in bf16 with {@code bf16}, half the bytes. */
  public void saveWeights(Path path, boolean bf16) {
    Checkpoint.saveWeights(net, position, path, bf16);
  }

  /** Loads weights, optimizer state and training position; a later {@link #fit} resumes from there. */
  public Trainer load(Path path) {
    position = Checkpoint.load(net, path);
    preprocessor = position.preprocessState().length == 0 ? null : Preprocessor.restore(spec.plan().data().preprocess(), position.preprocessState());
    return this;
  }

  /**
   * Replaces the parameters with those of a PyTorch-style .npz state_dict (see {@link StateDict}), and the
   * preprocessing statistics with the file's when it has them (a file written by {@link #exportWeights}).
   */
  public Trainer importWeights(Path npz) {
    Map<String, Npz.Array> arrays = StateDict.load(net, npz);
    Preprocessor.Spec pre = spec.plan().data().preprocess();
    if (!pre.kind().equals("none")) {
      Preprocessor stored = Preprocessor.fromArrays(pre, rawInputSize(), arrays, npz.toString());
      if (stored != null) {
        preprocessor = stored;
        position = position.withPreprocessState(stored.state());
      }
    }
    return this;
  }

  /**
   * Writes the parameters as a PyTorch-style .npz state_dict: {@code numpy.load} and {@code torch.from_numpy}
   * read it. The fitted preprocessing statistics go beside them as {@code nnet.preprocess.*} arrays.
   */
  public void exportWeights(Path npz) {
    StateDict.save(net, preprocessor == null ? Map.of() : preprocessor.toArrays(), npz);
  }

  /**
   * What {@link #exportWeights} writes, in memory: every tensor by its PyTorch name and in PyTorch's layout, and
   * the fitted preprocessing statistics as {@code nnet.preprocess.*} arrays (when the file preprocesses).
   */
  public Map<String, Npz.Array> stateDict() {
    Map<String, Npz.Array> all = new java.util.LinkedHashMap<>(StateDict.export(net));
    if (preprocessor != null) all.putAll(preprocessor.toArrays());
    return all;
  }

  /**
   * Loads a checkpoint, or a .npz state_dict when the name ends in .npz, to evaluate or predict with: a
   * file that preprocesses needs the statistics fitted in training, so a .npz without them is refused.
   */
  public Trainer loadWeights(Path path) {
    if (!path.toString().endsWith(".npz")) return load(path);
    importWeights(path);
    String kind = spec.plan().data().preprocess().kind();
    if (!kind.equals("none") && preprocessor == null) {
      throw new NnetException(path + " has no preprocessing statistics, and the file says 'preprocess " + kind + "': the inputs would go in untransformed",
          "use the checkpoint written by nnet train, or export the weights again with nnet train --save-weights (which stores the statistics as nnet.preprocess.* arrays)");
    }
    return this;
  }

  private int rawInputSize() {
    int n = 1;
    for (int d : spec.inputShape()) n *= d;
    return n;
  }

  /** The names of the classes, when the training data named them (a CSV's words), in output order; else empty. */
  public java.util.List<String> classNames() {
    return position.classNames();
  }

  /** Epochs completed so far (after {@link #load}, the checkpoint's). */
  public int epochsDone() {
    return position.epochsDone();
  }
}

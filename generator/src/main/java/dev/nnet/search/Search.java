package dev.nnet.search;

import dev.nnet.NnetCompiler;
import dev.nnet.analysis.SearchSpec;
import dev.nnet.runtime.CrossValidation;
import dev.nnet.runtime.DataLoader;
import dev.nnet.runtime.EpochResult;
import dev.nnet.runtime.Metrics;
import dev.nnet.runtime.NnetException;
import dev.nnet.runtime.Rng;
import dev.nnet.runtime.Trainer;
import dev.nnet.syntax.CompileException;
import dev.nnet.syntax.Diagnostic;
import dev.nnet.syntax.Parsing;
import dev.nnet.syntax.SourceFile;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Runs a file's hyperparameter search on this machine: each trial is the file with the trial's values written
 * into its searched lets, compiled and trained on one thread, on the file's training data (validation split or
 * folds); the test split is never touched. Trials are numbered from 1; trial t's values and its seed depend only
 * on the search seed and t, so a rerun, a resumed run and a run on more threads give the same table.
 */
public final class Search {

  /**
   * One finished trial.
   *
   * @param metric the best epoch's validation metric (or the folds' mean); NaN when the trial failed
   * @param error  why it failed (the file refused the values, or training diverged), or null
   * @param newClass whether its trainer class was compiled for it; false when an earlier trial's served (the
   *                 values it changes are constructor arguments, not shapes)
   */
  public record Trial(int number, Map<String, Double> values, double metric, int epochs, double seconds, long compileMillis, String error,
                      double[] curve, boolean pruned, boolean newClass) implements java.io.Serializable {
    public Trial(int number, Map<String, Double> values, double metric, int epochs, double seconds, long compileMillis, String error,
                 boolean newClass) {
      this(number, values, metric, epochs, seconds, compileMillis, error, new double[0], false, newClass);
    }

    public boolean ok() {
      return error == null;
    }
  }

  /** Thrown from a trial's epoch listener when the median rule stops it. */
  private static final class Pruned extends RuntimeException {
    Pruned() {
      super(null, null, false, false);
    }
  }

  /** Trials finished before pruning may compare a trial with them (Optuna's MedianPruner waits for 5 too). */
  static final int PRUNE_AFTER = 5;

  private final SourceFile source;
  private final SearchSpec spec;
  private final NnetCompiler compiler;

  public Search(SourceFile source, NnetCompiler compiler) {
    this.source = source;
    this.compiler = compiler;
    List<Diagnostic> errors = new ArrayList<>();
    this.spec = SearchSpec.read(Parsing.parse(source), source, errors);
    if (!errors.isEmpty()) throw new CompileException(errors);
    compiler.check(source); // the file as written must be valid: its own values are the first trial's reference
    if (spec.params().isEmpty()) {
      throw new NnetException(source.name() + " searches nothing: no let has a search domain",
          "write one, e.g.  let lr = 1e-3 search loguniform(1e-5, 1e-1)  and use lr in the file");
    }
    probeDomains();
  }

  public SearchSpec spec() {
    return spec;
  }

  /**
   * Analyzes the file with each domain's ends (and a value between, for continuous ones) written in, and
   * refuses a domain the file would refuse, at the domain's position: a width of 12.5, a dropout of 1.
   */
  private void probeDomains() {
    List<Diagnostic> errors = new ArrayList<>();
    for (SearchSpec.Param p : spec.params()) {
      for (double v : p.domain().probes()) {
        try {
          compiler.check(new SourceFile(source.name(), spec.rewrite(source, Map.of(p.name(), v), true), source.directory()));
        } catch (CompileException e) {
          Diagnostic first = e.diagnostics().get(0);
          errors.add(Diagnostic.error(source, p.domainSpan(), "the domain of '" + p.name() + "' reaches " + SearchSpec.literal(v, p.domain().integer())
              + ", which the file refuses: " + first.message(), first.hint() != null ? first.hint() : "narrow the domain"));
          break;
        }
      }
    }
    if (!errors.isEmpty()) throw new CompileException(errors);
  }

  /**
   * Every trial's values, in order: random draws, or the grid's points (every combination, the first parameter
   * slowest); for bayesian, random draws for the startup trials and null for those TPE will suggest.
   */
  public List<Map<String, Double>> plan(int trialsOverride) {
    List<Map<String, Double>> out = new ArrayList<>();
    SearchSpec.Strategy st = spec.strategy();
    if (st.kind().equals("grid")) {
      List<Map<String, Double>> combos = new ArrayList<>();
      combos.add(new LinkedHashMap<>());
      for (SearchSpec.Param p : spec.params()) {
        List<Map<String, Double>> next = new ArrayList<>();
        for (Map<String, Double> c : combos) {
          for (double v : p.domain().grid(st.points())) {
            Map<String, Double> m = new LinkedHashMap<>(c);
            m.put(p.name(), v);
            next.add(m);
          }
        }
        combos = next;
      }
      return trialsOverride > 0 ? combos.subList(0, Math.min(trialsOverride, combos.size())) : combos;
    }
    int n = trialsOverride > 0 ? trialsOverride : st.trials();
    for (int t = 1; t <= n; t++) {
      if (st.kind().equals("bayesian") && t > st.startup() || st.kind().equals("coarse_to_fine") && t > perRound(n)) {
        out.add(null); // suggested by TPE when its batch starts
        continue;
      }
      out.add(randomValues(t));
    }
    return out;
  }

  /**
   * Runs the trials of {@link #plan} not in {@code done} (a resumed search's finished trials, by number) on
   * {@code parallel} threads, telling {@code onTrial} of each as it finishes (one at a time). Returns every trial,
   * {@code done} included, in order.
   */
  public List<Trial> run(List<Map<String, Double>> plan, Map<Integer, Trial> done, int parallel, Consumer<Trial> onTrial) {
    try (Runner local = new LocalRunner(this, parallel)) {
      return run(plan, done, parallel, onTrial, local);
    }
  }

  /**
   * What one trial needs wherever it runs: the file's text and folder, the trial's number and values, and the
   * finished trials the median rule compares it with. Serializable, for a cluster's executors.
   */
  public record Request(String name, String text, String directory, int number, Map<String, Double> values, List<Trial> before)
      implements java.io.Serializable {
    /** Runs it here: the file compiled, its training data read from the paths it names (once per JVM and file), one trial. */
    public Trial run() {
      return run((java.nio.file.Path) null);
    }

    /**
     * Runs it here on training data read from copies of the data block's files in {@code folder} (by their paths
     * relative to the block's folder), once per JVM, folder and file; null: from the paths the file names.
     */
    public Trial run(java.nio.file.Path folder) {
      Search s = search();
      String key = text + "\n" + directory + "\n" + folder;
      DataLoader.Splits d;
      synchronized (READ) {
        d = READ.get(key);
      }
      if (d == null) {
        try {
          d = s.trainingData(folder);
        } catch (NnetException e) { // a missing or damaged data file: the trial fails with the reason, and is not retried
          return new Trial(number, values, Double.NaN, 0, 0, 0, e.getMessage(), false);
        }
        synchronized (READ) {
          READ.put(key, d);
        }
      }
      return s.trial(number, values, d, before);
    }

    /** Runs it here on training data given (a cluster's broadcast). */
    public Trial run(DataLoader.Splits data) {
      return search().trial(number, values, data, before);
    }

    private Search search() {
      return new Search(new SourceFile(name, text, directory == null ? null : java.nio.file.Path.of(directory)), NnetCompiler.defaults());
    }
  }

  /** The training data the last two files' trials read on this JVM (a cluster's executor runs many trials of one search). */
  private static final Map<String, DataLoader.Splits> READ = new java.util.LinkedHashMap<>(4, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, DataLoader.Splits> eldest) {
      return size() > 2;
    }
  };

  /** Runs a batch of trials, each on one thread: on this machine's threads, or as tasks of a cluster. */
  public interface Runner extends AutoCloseable {
    /** The trials of {@code batch}, in its order, each told to {@code onTrial} as it finishes (one at a time). */
    List<Trial> run(List<Request> batch, Consumer<Trial> onTrial);

    /** How the trials get their data, said once before the first (empty: nothing worth saying). */
    default String description() {
      return "";
    }

    @Override
    default void close() {}
  }

  private DataLoader.Splits data;

  /** The file's training data, read once per search. */
  synchronized DataLoader.Splits data() {
    if (data == null) data = trainingData(null);
    return data;
  }

  /**
   * The file's training data and validation split (never its test set, which no trial reads): from the files the
   * data block names, or, given {@code folder}, from copies of them there (the block's training paths taken
   * relative to {@code folder}; see {@link #trainingFiles}).
   */
  public DataLoader.Splits trainingData(java.nio.file.Path folder) {
    NnetCompiler.Compiled c = compiler.forSearch().compile(source); // (the class of the trials with the file's shapes)
    dev.nnet.runtime.NetworkSpec spec = c.spec();
    dev.nnet.runtime.TrainingPlan.Data d = spec.plan().data();
    if (d == null || d.train() == null) return DataLoader.load(spec, c.dataDirectory(), c.fileAccess()); // says what is missing
    if (folder == null) {
      return DataLoader.load(spec.withPlan(spec.plan().withData(d.trainingOnlyFrom(d.directory()))), c.dataDirectory(), c.fileAccess());
    }
    java.nio.file.Path abs = folder.toAbsolutePath();
    return DataLoader.load(spec.withPlan(spec.plan().withData(d.trainingOnlyFrom(abs.toString()))), abs, dev.nnet.runtime.FileAccess.under(abs));
  }

  /**
   * The training files the data block names, relative to its folder: what a cluster's executors copy from a
   * shared store. Refuses absolute paths, which cannot be taken from another folder.
   */
  public List<String> trainingFiles() {
    dev.nnet.runtime.TrainingPlan.Data d = compiler.check(source).plan().data();
    if (d == null || d.train() == null) throw new NnetException(source.name() + " names no training data", "add a data block with train ...");
    for (String p : d.train().paths()) {
      if (p.startsWith("/")) {
        throw new NnetException("the training file " + p + " is an absolute path: it cannot be read from another folder",
            "write it relative to the data block's dir (dir \"/data\"  then  train csv(\"iris.csv\")), or let the executors read the path itself");
      }
    }
    return d.train().paths();
  }

  /** Trials on a pool of local threads, sharing the data read once. */
  private static final class LocalRunner implements Runner {
    private final Search search;
    private final ExecutorService pool;

    LocalRunner(Search search, int parallel) {
      this.search = search;
      this.pool = Executors.newFixedThreadPool(Math.max(1, parallel), r -> {
        Thread t = new Thread(r, "nnet-search");
        t.setDaemon(true);
        return t;
      });
    }

    @Override
    public List<Trial> run(List<Request> batch, Consumer<Trial> onTrial) {
      DataLoader.Splits data = search.data();
      List<Future<Trial>> futures = new ArrayList<>();
      for (Request r : batch) {
        futures.add(pool.submit(() -> {
          Trial t = search.trial(r.number(), r.values(), data, r.before());
          synchronized (this) {
            onTrial.accept(t);
          }
          return t;
        }));
      }
      List<Trial> out = new ArrayList<>();
      try {
        for (Future<Trial> f : futures) out.add(f.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new NnetException("the search was interrupted", "run it again with --resume: finished trials are kept");
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof RuntimeException re) throw re;
        throw new IllegalStateException(e.getCause());
      }
      return out;
    }

    @Override
    public void close() {
      pool.shutdownNow();
    }
  }

  /**
   * The search with its trials run by {@code runner} in batches of {@code parallel}: a TPE suggestion, a
   * coarse_to_fine round and the median rule see exactly the trials numbered before the batch, so the same
   * search gives the same trials on threads or on a cluster, for the same batch size.
   */
  public List<Trial> run(List<Map<String, Double>> plan, Map<Integer, Trial> done, int parallel, Consumer<Trial> onTrial, Runner runner) {
    Trial[] results = new Trial[plan.size()];
    int k = Math.max(1, parallel);
    int from = 0;
    while (from < plan.size()) {
      int to = Math.min(plan.size(), from + k);
      if (coarse()) to = Math.min(to, roundEnd(from, plan.size())); // a round's trials see only the earlier rounds
      List<Tpe.Observation> history = new ArrayList<>();
      boolean minimize = !spec.strategy().maximize();
      for (int i = 0, upTo = coarse() ? roundStart(from, plan.size()) : from; i < upTo; i++) {
        Trial t = results[i];
        if (t != null && t.ok() && !Double.isNaN(t.metric())) history.add(new Tpe.Observation(t.values(), minimize ? t.metric() : -t.metric()));
      }
      List<Trial> before = new ArrayList<>();
      for (int j = 0; j < from; j++) if (results[j] != null && results[j].ok()) before.add(results[j]);
      List<Request> batch = new ArrayList<>();
      for (int i = from; i < to; i++) {
        int number = i + 1;
        if (done.containsKey(number)) {
          results[i] = done.get(number);
          continue;
        }
        Rng rng = new Rng(Rng.derive(spec.strategy().seed(), 2L * number));
        Map<String, Double> values = plan.get(i) != null ? plan.get(i)
            : history.isEmpty() ? randomValues(number) // every earlier trial failed: keep exploring
            : coarse() ? narrowed(history, rng)
            : Tpe.suggest(spec.params(), history, rng);
        batch.add(new Request(source.name(), source.text(), source.directory() == null ? null : source.directory().toAbsolutePath().toString(),
            number, new LinkedHashMap<>(values), before));
      }
      if (!batch.isEmpty()) for (Trial t : runner.run(batch, onTrial)) results[t.number() - 1] = t;
      from = to;
    }
    return List.of(results);
  }

  private boolean coarse() {
    return spec.strategy().kind().equals("coarse_to_fine");
  }

  /** Trials per round of coarse_to_fine: the budget shared equally, the last round taking what is left. */
  private int perRound(int total) {
    return Math.max(1, total / spec.strategy().rounds());
  }

  /** The first trial index (0-based) of the round holding index {@code i}. */
  private int roundStart(int i, int total) {
    return Math.min(i / perRound(total), spec.strategy().rounds() - 1) * perRound(total);
  }

  private int roundEnd(int i, int total) {
    int start = roundStart(i, total);
    return start / perRound(total) == spec.strategy().rounds() - 1 ? total : start + perRound(total);
  }

  /**
   * A coarse_to_fine draw: each range narrowed to what the best {@code keep} trials of the earlier rounds span
   * (on a log scale for log domains), widened by a quarter of that span on each side (a tenth of the domain when
   * they agree), within the domain; a choice among the values those trials used. {@code history}: losses, smaller better.
   */
  private Map<String, Double> narrowed(List<Tpe.Observation> history, Rng rng) {
    List<Tpe.Observation> sorted = new ArrayList<>(history);
    sorted.sort((a, b) -> Double.compare(a.loss(), b.loss()));
    List<Tpe.Observation> best = sorted.subList(0, Math.min(spec.strategy().keep(), sorted.size()));
    Map<String, Double> out = new LinkedHashMap<>();
    for (SearchSpec.Param p : spec.params()) {
      SearchSpec.Domain d = p.domain();
      if (d.kind().equals("choice")) {
        List<Double> used = new ArrayList<>();
        for (Tpe.Observation o : best) if (!used.contains(o.values().get(p.name()))) used.add(o.values().get(p.name()));
        used.sort(null);
        out.put(p.name(), used.get(rng.nextInt(used.size())));
        continue;
      }
      boolean log = d.log();
      double dlo = log ? Math.log(d.lo()) : d.lo(), dhi = log ? Math.log(d.integer() ? d.hi() + 1 : d.hi()) : d.integer() ? d.hi() + 1 : d.hi();
      double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
      for (Tpe.Observation o : best) {
        double v = log ? Math.log(o.values().get(p.name())) : o.values().get(p.name());
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      double margin = hi > lo ? (hi - lo) / 4 : (dhi - dlo) / 10;
      lo = Math.max(dlo, lo - margin);
      hi = Math.min(dhi, hi + margin);
      double x = lo + rng.nextDouble() * (hi - lo);
      double v = log ? Math.exp(x) : x;
      if (d.integer()) v = Math.floor(v);
      out.put(p.name(), Math.min(d.hi(), Math.max(d.lo(), v)));
    }
    return out;
  }

  /** The median rule: {@code best} (after {@code epoch} epochs) is worse than the median of the others' best values at that epoch. */
  static boolean worseThanMedian(double best, int epoch, List<Trial> before, boolean maximize) {
    List<Double> at = new ArrayList<>();
    for (Trial t : before) if (t.curve().length >= epoch) at.add(t.curve()[epoch - 1]);
    if (at.size() < PRUNE_AFTER) return false;
    java.util.Collections.sort(at);
    int n = at.size();
    double median = n % 2 == 1 ? at.get(n / 2) : (at.get(n / 2 - 1) + at.get(n / 2)) / 2;
    return maximize ? best < median : best > median;
  }

  /**
   * Successive halving (asynchronous, as Optuna's SuccessiveHalvingPruner and ASHA): rungs after 1, η, η², ...
   * epochs; at a rung, a trial goes on only if its best value so far is among the best ⌊n/η⌋ (at least one) of
   * the n values there, its own and those of the finished trials {@code before} that reached the rung. With fewer
   * than η others at the rung, it goes on: the first trials of a search set the bar.
   */
  static boolean notPromoted(double best, int epoch, List<Trial> before, boolean maximize, int reduction) {
    long rung = 1;
    while (rung < epoch) rung *= reduction;
    if (rung != epoch) return false;
    List<Double> at = new ArrayList<>();
    for (Trial t : before) if (t.curve().length >= epoch) at.add(t.curve()[epoch - 1]);
    if (at.size() < reduction) return false;
    at.add(best);
    at.sort(maximize ? java.util.Comparator.reverseOrder() : java.util.Comparator.naturalOrder());
    double bar = at.get(Math.max(1, at.size() / reduction) - 1);
    return maximize ? best < bar : best > bar;
  }

  private Map<String, Double> randomValues(int number) {
    Rng r = new Rng(Rng.derive(spec.strategy().seed(), 2L * number));
    Map<String, Double> m = new LinkedHashMap<>();
    for (SearchSpec.Param p : spec.params()) m.put(p.name(), p.domain().sample(r.nextDouble()));
    return m;
  }

  /**
   * One trial: the file with these values, its own seed, one thread, no checkpoint, no test split. With
   * {@code prune: median}, after each epoch its best value so far is compared with the median of the best values
   * at that epoch of the finished trials {@code before} (at least {@link #PRUNE_AFTER} of them): worse, and it
   * stops; with {@code prune: halving}, at each rung it must be in the best 1/η ({@link #notPromoted}).
   */
  Trial trial(int number, Map<String, Double> values, DataLoader.Splits data, List<Trial> before) {
    long start = System.nanoTime();
    long compileMillis = 0;
    boolean newClass = false; // (a trial the file refuses compiles nothing)
    try {
      // values that change no shape are constructor arguments: trials differing only in them share a class
      NnetCompiler.Compiled c = compiler.forSearch().compile(new SourceFile(source.name(), spec.rewrite(source, values, true), source.directory()));
      compileMillis = c.compileMillis();
      newClass = c.newClass();
      long seed = Rng.derive(spec.strategy().seed(), 2L * number + 1);
      Trainer trainer = c.newTrainer().threads(1).reinitialize(seed);
      double metric;
      int epochs;
      boolean accuracy = spec.strategy().metric().endsWith("accuracy");
      if (c.model().plan().data().folds() > 0) {
        CrossValidation cv = trainer.crossValidate(data.train(), c.model().plan().data().folds());
        double sum = 0;
        for (Metrics m : cv.folds()) sum += accuracy ? m.accuracy() : m.loss();
        metric = sum / cv.folds().size();
        epochs = c.model().plan().epochs();
      } else {
        List<Double> curve = new ArrayList<>();
        SearchSpec.Strategy st = spec.strategy();
        trainer.listener(new dev.nnet.runtime.TrainingListener() {
          @Override
          public void onEpoch(EpochResult e) {
            if (e.validation() == null) return;
            double v = accuracy ? e.validation().accuracy() : e.validation().loss();
            double best = curve.isEmpty() ? v : accuracy ? Math.max(v, curve.get(curve.size() - 1)) : Math.min(v, curve.get(curve.size() - 1));
            curve.add(best);
            boolean stop = switch (st.pruner()) {
              case "median" -> before.size() >= PRUNE_AFTER && worseThanMedian(best, curve.size(), before, accuracy);
              case "halving" -> notPromoted(best, curve.size(), before, accuracy, st.reduction());
              default -> false;
            };
            if (stop) throw new Pruned();
          }
        });
        boolean pruned = false;
        try {
          trainer.fit(data.train(), data.validation(), null);
        } catch (Pruned p) {
          pruned = true;
        }
        double[] c2 = new double[curve.size()];
        for (int i = 0; i < c2.length; i++) c2[i] = curve.get(i);
        return new Trial(number, values, c2.length == 0 ? Double.NaN : c2[c2.length - 1], c2.length, (System.nanoTime() - start) * 1e-9, compileMillis,
            null, c2, pruned, newClass);
      }
      return new Trial(number, values, metric, epochs, (System.nanoTime() - start) * 1e-9, compileMillis, null, newClass);
    } catch (CompileException e) {
      return new Trial(number, values, Double.NaN, 0, (System.nanoTime() - start) * 1e-9, compileMillis, e.diagnostics().get(0).message(), newClass);
    } catch (NnetException e) {
      return new Trial(number, values, Double.NaN, 0, (System.nanoTime() - start) * 1e-9, compileMillis, e.getMessage(), newClass);
    }
  }

  /** The best finished trial (the metric's direction from its name), or null. */
  public Trial best(List<Trial> trials) {
    Trial best = null;
    boolean max = spec.strategy().maximize();
    for (Trial t : trials) {
      if (t == null || !t.ok() || Double.isNaN(t.metric())) continue;
      if (best == null || (max ? t.metric() > best.metric() : t.metric() < best.metric())) best = t;
    }
    return best;
  }

  /** The file with {@code t}'s values written in and no search: FILE.best.nnet. */
  public String bestFile(Trial t) {
    return spec.rewrite(source, t.values(), true);
  }
}

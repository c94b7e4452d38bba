package dev.nnet.spark;

import dev.nnet.runtime.DataLoader;
import dev.nnet.runtime.NnetException;
import dev.nnet.search.Search;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Runs a search's trials as Spark tasks: each batch becomes one task per trial, which compiles the file with
 * Janino on its executor and trains on the training data, got in one of three ways ({@code --data-from}):
 * <ul>
 *   <li>{@code broadcast}: the driver reads it once and broadcasts it (the default when it reads it and it
 *       holds at most {@link #BROADCAST_LIMIT} bytes in memory);</li>
 *   <li>{@code paths}: each executor reads the files at the paths the file names (a shared or mounted folder);</li>
 *   <li>a Hadoop FileSystem folder ({@code hdfs://…}, {@code s3a://…}, {@code file:/…}): each executor copies the
 *       data block's training files from there (by their paths relative to the block's folder) once.</li>
 * </ul>
 * The driver keeps the strategy (TPE's suggestions, coarse_to_fine's rounds, the pruning rules), so a search on
 * {@code local[k]} gives the trials a search on k threads gives. A task that throws is retried by Spark
 * ({@code spark.task.maxFailures}); a trial the file refuses, or that diverges, comes back as a failed trial
 * and is reported, not retried.
 */
public final class SparkRunner implements Search.Runner {
  /** The most training data the driver broadcasts unasked: beyond it, executors read the files themselves. */
  static final long BROADCAST_LIMIT = 512L << 20;

  private final JavaSparkContext spark;
  private final Broadcast<DataLoader.Splits> broadcast; // or null
  private final String store; // a Hadoop FileSystem folder the executors copy from, or null
  private final List<String> files;
  private final String description;

  /** Called by {@code nnet search --spark MASTER} (found by name, so the core CLI needs no Spark). */
  public SparkRunner(String master, String appName, String dataFrom, Search search) {
    String from = dataFrom == null ? "auto" : dataFrom;
    boolean store = from.contains(":");
    if (!store && !List.of("auto", "broadcast", "paths").contains(from)) {
      throw new NnetException("--data-from takes broadcast, paths or a Hadoop FileSystem folder (hdfs://..., s3a://..., file:/...), not '" + from + "'",
          "broadcast: the driver reads the data and sends it; paths: executors read the file's paths; hdfs://host/folder: executors copy from there");
    }
    // what the driver can do before Spark starts: read the data to broadcast, list the files to copy
    DataLoader.Splits data = null;
    String why = null;
    if (from.equals("auto") || from.equals("broadcast")) {
      try {
        data = search.trainingData(null);
      } catch (RuntimeException e) {
        if (from.equals("broadcast")) throw e;
        why = "the driver cannot read it (" + e.getMessage() + ")";
      }
      if (data != null && from.equals("auto") && data.bytes() > BROADCAST_LIMIT) {
        why = String.format(Locale.ROOT, "it holds %.0f MB, more than the %d MB broadcast unasked", data.bytes() / 1e6, BROADCAST_LIMIT >> 20);
        data = null;
      }
    }
    this.files = store ? search.trainingFiles() : List.of();
    this.store = store ? from : null;

    SparkConf conf = new SparkConf().setAppName(appName).setIfMissing("spark.ui.enabled", "false");
    if (master != null && !master.isEmpty() && !master.equals("submit")) conf.setMaster(master); // "submit": as spark-submit set it
    this.spark = new JavaSparkContext(conf);
    spark.setLogLevel("WARN");
    this.broadcast = data == null ? null : spark.broadcast(data);
    this.description = data != null ? String.format(Locale.ROOT, "the driver broadcasts the training data (%.1f MB) to the executors", data.bytes() / 1e6)
        : store ? "each executor copies the training files from " + from
        : "each executor reads the training files at the file's paths" + (why == null ? "" : ": " + why);
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public List<Search.Trial> run(List<Search.Request> batch, Consumer<Search.Trial> onTrial) {
    JavaRDD<Search.Request> tasks = spark.parallelize(batch, batch.size());
    JavaRDD<Search.Trial> trials;
    if (broadcast != null) {
      Broadcast<DataLoader.Splits> data = broadcast;
      trials = tasks.map(r -> r.run(data.value()));
    } else if (store != null) {
      String from = store;
      List<String> names = new ArrayList<>(files);
      trials = tasks.map(r -> r.run(StoreCopy.local(from, names)));
    } else {
      trials = tasks.map(r -> r.run());
    }
    List<Search.Trial> done;
    try {
      done = new ArrayList<>(trials.collect());
    } catch (Exception e) { // (Scala throws SparkException, checked in Java, without declaring it)
      if (!(e instanceof org.apache.spark.SparkException)) throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
      // a task failed spark.task.maxFailures times
      Throwable root = e;
      while (root.getCause() != null) root = root.getCause();
      throw new NnetException("a Spark job of the search failed: " + root, "see the executors' logs; finished trials are kept: run again with --resume");
    }
    done.sort(Comparator.comparingInt(Search.Trial::number));
    for (Search.Trial t : done) onTrial.accept(t);
    return done;
  }

  @Override
  public void close() {
    if (broadcast != null) broadcast.destroy();
    spark.stop();
  }
}

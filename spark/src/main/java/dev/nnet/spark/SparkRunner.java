package dev.nnet.spark;

import dev.nnet.search.Search;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Runs a search's trials as Spark tasks: each batch becomes one task per trial, which compiles the file with
 * Janino on its executor and trains on data read there from the file's folder (a path every executor can read:
 * a shared or mounted folder). The driver keeps the strategy (TPE's suggestions, coarse_to_fine's rounds, the
 * median rule), so a search on {@code local[k]} gives the trials a search on k threads gives. A task that
 * throws is retried by Spark ({@code spark.task.maxFailures}); a trial the file refuses, or that diverges,
 * comes back as a failed trial and is reported, not retried.
 */
public final class SparkRunner implements Search.Runner {
  private final JavaSparkContext spark;

  /** Called by {@code nnet search --spark MASTER} (found by name, so the core CLI needs no Spark). */
  public SparkRunner(String master, String appName) {
    SparkConf conf = new SparkConf().setAppName(appName).setIfMissing("spark.ui.enabled", "false");
    if (master != null && !master.isEmpty() && !master.equals("submit")) conf.setMaster(master); // "submit": as spark-submit set it
    this.spark = new JavaSparkContext(conf);
    spark.setLogLevel("WARN");
  }

  @Override
  public List<Search.Trial> run(List<Search.Request> batch, Consumer<Search.Trial> onTrial) {
    List<Search.Trial> done = new ArrayList<>(spark.parallelize(batch, batch.size()).map(Search.Request::run).collect());
    done.sort(Comparator.comparingInt(Search.Trial::number));
    for (Search.Trial t : done) onTrial.accept(t);
    return done;
  }

  @Override
  public void close() {
    spark.stop();
  }
}

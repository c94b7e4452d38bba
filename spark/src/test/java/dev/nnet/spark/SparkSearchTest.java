package dev.nnet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nnet.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nnet search --spark local[2]: the same trials and metrics as two local threads. */
class SparkSearchTest {
  @TempDir
  Path dir;

  static String[] nnet(String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new String[] {Integer.toString(code), out.toString(), err.toString()};
  }

  List<String> trials(Path jsonl) throws Exception {
    List<String> out = new ArrayList<>();
    for (String l : Files.readAllLines(jsonl)) out.add(l.replaceAll(",\"seconds\":[0-9.]+,\"compile_ms\":\\d+,\"new_class\":(true|false)", ""));
    out.sort(null);
    return out;
  }

  /** samples/iris-search.nnet's text, with the Iris data beside where the test writes its variants. */
  String irisSearch() throws Exception {
    Path repo = Path.of(System.getProperty("nnet.repo", "..")).toAbsolutePath().normalize();
    Files.createDirectories(dir.resolve("data"));
    Files.copy(repo.resolve("samples/data/iris.csv"), dir.resolve("data/iris.csv"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return Files.readString(repo.resolve("samples/iris-search.nnet"));
  }

  @Test
  void sparkLocalGivesTheTrialsOfTwoThreads() throws Exception {
    // TPE with pruning: the driver's suggestions and the median rule must see the same trials either way
    String text = irisSearch()
        .replace("search random(trials: 12, metric: val_loss, seed: 1)", "search bayesian(trials: 8, startup: 4, metric: val_loss, seed: 3, prune: median)");
    Path f = dir.resolve("iris-search.nnet");
    Files.writeString(f, text);
    String[] local = nnet("search", f.toString(), "--parallel", "2");
    assertEquals("0", local[0], local[2]);
    List<String> threads = trials(dir.resolve("iris-search.search.jsonl"));
    String[] spark = nnet("search", f.toString(), "--parallel", "2", "--spark", "local[2]");
    assertEquals("0", spark[0], spark[2]);
    assertEquals(threads, trials(dir.resolve("iris-search.search.jsonl")), "the same trials, values and metrics on Spark");
    assertEquals(8, threads.size());
    assertTrue(Files.readString(dir.resolve("iris-search.best.nnet")).contains("let lr     = "));
    assertTrue(spark[2].contains("spark: the driver broadcasts the training data"), spark[2]);
  }

  @Test
  void executorsReadTheDataFromPathsOrCopyItFromAHadoopFileSystem() throws Exception {
    // the file in one folder, the data only in another: reading the file's paths fails, copying from the store works
    String text = irisSearch().replace("search random(trials: 12, metric: val_loss, seed: 1)", "search random(trials: 4, metric: val_loss, seed: 5)");
    Path store = dir.resolve("store"), work = dir.resolve("work");
    Files.createDirectories(store.resolve("data"));
    Files.createDirectories(work);
    Files.move(dir.resolve("data/iris.csv"), store.resolve("data/iris.csv"));
    Path f = work.resolve("iris-search.nnet");
    Files.writeString(f, text);
    Path jsonl = work.resolve("iris-search.search.jsonl");

    String[] copied = nnet("search", f.toString(), "--parallel", "2", "--spark", "local[2]", "--data-from", store.toUri().toString());
    assertEquals("0", copied[0], copied[1] + copied[2]);
    assertTrue(copied[2].contains("spark: each executor copies the training files from file:"), copied[2]);
    List<String> fromStore = trials(jsonl);
    assertEquals(4, fromStore.size());

    String[] missing = nnet("search", f.toString(), "--parallel", "2", "--spark", "local[2]", "--data-from", "paths");
    assertEquals("1", missing[0], missing[1] + missing[2]);
    assertTrue(missing[1].contains("failed: ") && missing[1].contains("iris.csv"), "each trial says the file is missing: " + missing[1]);

    // the data back where the file names it: the executors read it there, the driver broadcasts it by default, same trials
    Files.createDirectories(work.resolve("data"));
    Files.copy(store.resolve("data/iris.csv"), work.resolve("data/iris.csv"));
    String[] paths = nnet("search", f.toString(), "--parallel", "2", "--spark", "local[2]", "--data-from", "paths");
    assertEquals("0", paths[0], paths[2]);
    assertTrue(paths[2].contains("spark: each executor reads the training files at the file's paths"), paths[2]);
    assertEquals(fromStore, trials(jsonl), "the same trials whichever way the data came");
    String[] threads = nnet("search", f.toString(), "--parallel", "2");
    assertEquals("0", threads[0], threads[2]);
    assertEquals(fromStore, trials(jsonl), "and as on two local threads");

    String[] bad = nnet("search", f.toString(), "--spark", "local[2]", "--data-from", "somewhere");
    assertEquals("1", bad[0]);
    assertTrue(bad[2].contains("--data-from takes broadcast, paths or a Hadoop FileSystem folder"), bad[2]);
    String[] noSpark = nnet("search", f.toString(), "--data-from", "paths");
    assertTrue(!noSpark[0].equals("0") && noSpark[2].contains("it needs --spark"), noSpark[2]);
  }

  @Test
  void aTrialTheFileRefusesIsReportedNotRetried() throws Exception {
    // a learning rate that makes every trial diverge: each comes back failed, with the reason
    String text = irisSearch()
        .replace("loguniform(1e-4, 1e-1)", "loguniform(1e25, 1e30)").replace("adam(lr: lr)", "sgd(lr: lr)")
        .replace("search random(trials: 12,", "search random(trials: 2,").replace("-> tanh", "-> relu");
    Path f = dir.resolve("diverge.nnet");
    Files.writeString(f, text);
    String[] r = nnet("search", f.toString(), "--parallel", "2", "--spark", "local[2]");
    assertEquals("1", r[0], r[1] + r[2]);
    assertTrue(r[1].contains("failed: ") && r[2].contains("no trial finished"), r[1] + r[2]);
    assertFalse(r[2].contains("\tat "), r[2]);
  }
}

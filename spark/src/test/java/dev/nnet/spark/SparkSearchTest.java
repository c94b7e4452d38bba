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
    for (String l : Files.readAllLines(jsonl)) out.add(l.replaceAll(",\"seconds\":[0-9.]+,\"compile_ms\":\\d+", ""));
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

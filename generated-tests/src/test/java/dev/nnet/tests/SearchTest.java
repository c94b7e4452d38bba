package dev.nnet.tests;

import static dev.nnet.tests.CliTest.nnet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nnet search: deterministic trials on any number of threads, resume, the best file, and positioned mistakes. */
class SearchTest {
  @TempDir
  Path dir;

  Path copy(String text) throws Exception {
    Files.createDirectories(dir.resolve("data"));
    Files.copy(Samples.sample("data/iris.csv"), dir.resolve("data/iris.csv"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Path f = dir.resolve("iris-search.nnet");
    Files.writeString(f, text);
    return f;
  }

  String sample() throws Exception {
    return Files.readString(Samples.sample("iris-search.nnet"));
  }

  /** The jsonl's lines without their timings: what must not depend on threads or interruptions. */
  List<String> trials(Path f) throws Exception {
    List<String> out = new ArrayList<>();
    for (String l : Files.readAllLines(f.resolveSibling("iris-search.search.jsonl"))) out.add(l.replaceAll(",\"seconds\".*", ""));
    out.sort(null);
    return out;
  }

  @Test
  void sameTrialsOnOneOrTwoThreadsAndAfterAResume() throws Exception {
    // (a model name of its own: no other test in this JVM compiled these classes)
    Path f = copy(sample().replace("model IrisSearch", "model IrisSearchOnThreads"));
    CliTest.Run two = nnet("search", f.toString(), "--trials", "6", "--parallel", "2");
    assertEquals(0, two.code(), two.err());
    assertTrue(two.out().contains("best: trial "), two.out());
    List<String> a = trials(f);
    assertEquals(6, a.size());
    // one class per width: the trials that change only lr and p_drop share it (even two at a time)
    java.util.Set<String> widths = new java.util.TreeSet<>();
    int newClasses = 0;
    for (String l : Files.readAllLines(f.resolveSibling("iris-search.search.jsonl"))) {
      widths.add(l.replaceAll(".*\"width\":([0-9.]+).*", "$1"));
      if (l.contains("\"new_class\":true")) newClasses++;
    }
    assertTrue(widths.size() < 6, "some trials share a width: " + widths);
    // (the written width's class is compiled as the data is read, before any trial)
    int compiled = widths.size() - (widths.contains("16.0") ? 1 : 0);
    assertEquals(compiled, newClasses, "one class compiled per width");
    assertTrue(two.out().contains("compiled " + compiled + " trainer class" + (compiled == 1 ? "" : "es") + " for 6 trials; " + (6 - compiled) + " reused"), two.out());
    assertEquals(0, nnet("search", f.toString(), "--trials", "6", "--parallel", "1").code());
    assertEquals(a, trials(f), "the same trials, values and metrics on one thread");

    // interrupted after three trials, the last line cut short: --resume runs only the other three
    Path jsonl = f.resolveSibling("iris-search.search.jsonl");
    List<String> lines = Files.readAllLines(jsonl);
    Files.writeString(jsonl, String.join("\n", lines.subList(0, 3)) + "\n" + lines.get(3).substring(0, 20));
    CliTest.Run resumed = nnet("search", f.toString(), "--trials", "6", "--resume", "--json");
    assertEquals(0, resumed.code(), resumed.err());
    assertEquals(3, resumed.out().strip().split("\n").length, "three trials ran: " + resumed.out());
    List<String> after = new ArrayList<>();
    for (String l : Files.readAllLines(jsonl)) if (l.startsWith("{\"trial\"") && l.endsWith("}")) after.add(l.replaceAll(",\"seconds\".*", ""));
    after.sort(null);
    assertEquals(a, after, "the resumed search has the same six trials");

    // the best file trains as is, without search
    Path best = f.resolveSibling("iris-search.best.nnet");
    String text = Files.readString(best);
    assertTrue(!text.matches("(?s).*(search (random|grid|loguniform|uniform|choice)|\nsearch ).*") && text.contains("let lr     = 0.0784014\n"), text);
    assertEquals(0, nnet("check", best.toString()).code());
    assertEquals(0, nnet("train", best.toString(), "--epochs", "2", "-o", dir.resolve("b.ckpt").toString()).code());
    assertTrue(Files.size(f.resolveSibling("iris-search.search.png")) > 5000, "the plot is drawn");

    // the search's page, as the training report: final, every chart and the table, clean in a browser
    Path html = f.resolveSibling("iris-search.search.html");
    String page = Files.readString(html);
    assertTrue(!page.contains("http-equiv=\"refresh\"") && page.contains("id=\"trials\"") && page.contains("finished: 6 of 6 trials"), "a final page");
    for (String chart : new String[] {"param-lr", "param-width", "param-p_drop", "best"}) assertTrue(page.contains("id=\"chart-" + chart + "\""), chart);
    org.junit.jupiter.api.Assumptions.assumeTrue(Browser.executable() != null, "SKIPPED: Chromium is not installed");
    Browser.Page shown = Browser.open(html, dir.resolve("search.png"), 1330, 1400);
    assertEquals(List.of(), shown.console(), "the search page loads without console messages");
    assertTrue(shown.dom().contains("<svg"), "its charts are drawn");
  }

  @Test
  void bayesianIsDeterministicForItsBatchSizeAndResumes() throws Exception {
    Path f = copy(sample().replace("search random(trials: 12, metric: val_loss, seed: 1)", "search bayesian(trials: 10, startup: 4, metric: val_loss, seed: 2)"));
    assertEquals(0, nnet("search", f.toString(), "--parallel", "2").code());
    List<String> a = trials(f);
    assertEquals(10, a.size());
    assertEquals(0, nnet("search", f.toString(), "--parallel", "2").code());
    assertEquals(a, trials(f), "TPE suggests the same values in batches of 2, and the trials train alike");
    Path jsonl = f.resolveSibling("iris-search.search.jsonl");
    List<String> lines = Files.readAllLines(jsonl);
    lines.sort(java.util.Comparator.comparingInt(l -> Integer.parseInt(l.replaceAll("\\{\"trial\":(\\d+),.*", "$1"))));
    Files.writeString(jsonl, String.join("\n", lines.subList(0, 6)) + "\n");
    CliTest.Run resumed = nnet("search", f.toString(), "--parallel", "2", "--resume", "--json");
    assertEquals(0, resumed.code(), resumed.err());
    assertEquals(4, resumed.out().strip().split("\n").length, resumed.out());
    assertEquals(a, trials(f), "resumed with the same batch size: the same ten trials");
  }

  @Test
  void medianPruningStopsTrialsBehindTheMedianRepeatably() throws Exception {
    Path f = copy(sample().replace("search random(trials: 12, metric: val_loss, seed: 1)", "search random(trials: 14, metric: val_loss, seed: 1, prune: median)"));
    CliTest.Run r = nnet("search", f.toString(), "--parallel", "2");
    assertEquals(0, r.code(), r.err());
    List<String> a = trials(f);
    int pruned = 0;
    for (String l : Files.readAllLines(f.resolveSibling("iris-search.search.jsonl"))) {
      if (!l.contains("\"pruned\":true")) continue;
      pruned++;
      int epochs = Integer.parseInt(l.replaceAll(".*\"epochs\":(\\d+).*", "$1"));
      assertTrue(epochs < 30, "a pruned trial stopped early: " + l);
      int trial = Integer.parseInt(l.replaceAll("\\{\"trial\":(\\d+),.*", "$1"));
      assertTrue(trial > 6, "no trial is pruned before five have finished (batches of 2): " + l);
    }
    assertTrue(pruned > 0, "the slow learners are pruned:\n" + r.out());
    assertTrue(r.out().contains("pruned"), r.out());
    assertEquals(0, nnet("search", f.toString(), "--parallel", "2").code());
    assertEquals(a, trials(f), "the same trials pruned at the same epochs");
    Files.writeString(f.resolveSibling("iris-search.search.jsonl"), String.join("\n", Files.readAllLines(f.resolveSibling("iris-search.search.jsonl")).subList(0, 10)) + "\n");
    assertEquals(0, nnet("search", f.toString(), "--parallel", "2", "--resume").code());
    assertEquals(a, trials(f), "a resumed pruning search reads the finished trials' curves back");
  }

  @Test
  void successiveHalvingStopsTrialsOutsideTheBestThirdAtEachRung() throws Exception {
    Path f = copy(sample().replace("search random(trials: 12, metric: val_loss, seed: 1)", "search random(trials: 16, metric: val_loss, seed: 2, prune: halving)"));
    CliTest.Run r = nnet("search", f.toString(), "--parallel", "2");
    assertEquals(0, r.code(), r.err());
    // the rule recomputed from the records: rungs at epochs 1, 3, 9, 27; a trial of the batch starting at
    // trial b is compared with the trials before b that reached the rung
    java.util.Map<Integer, double[]> curves = new java.util.TreeMap<>();
    java.util.Map<Integer, Boolean> prunedAt = new java.util.TreeMap<>();
    for (String l : Files.readAllLines(f.resolveSibling("iris-search.search.jsonl"))) {
      int trial = Integer.parseInt(l.replaceAll("\\{\"trial\":(\\d+),.*", "$1"));
      String[] cells = l.replaceAll(".*\"curve\":\\[([^\\]]*)\\].*", "$1").split(",");
      double[] c = new double[cells.length];
      for (int i = 0; i < c.length; i++) c[i] = Double.parseDouble(cells[i]);
      curves.put(trial, c);
      prunedAt.put(trial, l.contains("\"pruned\":true"));
    }
    assertEquals(16, curves.size());
    int pruned = 0;
    for (int t : curves.keySet()) {
      double[] c = curves.get(t);
      int batchStart = 2 * ((t - 1) / 2) + 1;
      for (int rung = 1; rung <= c.length; rung *= 3) {
        List<Double> there = new ArrayList<>();
        for (int u = 1; u < batchStart; u++) if (curves.get(u).length >= rung) there.add(curves.get(u)[rung - 1]);
        if (there.size() < 3) continue;
        there.add(c[rung - 1]);
        there.sort(null);
        boolean promoted = c[rung - 1] <= there.get(there.size() / 3 - 1);
        boolean stoppedHere = prunedAt.get(t) && c.length == rung;
        assertEquals(!promoted, stoppedHere, "trial " + t + " at epoch " + rung + ": " + there);
      }
      if (prunedAt.get(t)) {
        pruned++;
        assertTrue(java.util.Set.of(1, 3, 9, 27).contains(c.length), "pruned at a rung: trial " + t + " after " + c.length);
      } else {
        assertEquals(30, c.length, "a trial not pruned trains all its epochs");
      }
    }
    assertTrue(pruned >= 4, "successive halving stops most trials: " + pruned + "\n" + r.out());
    List<String> a = trials(f);
    assertEquals(0, nnet("search", f.toString(), "--parallel", "2").code());
    assertEquals(a, trials(f), "the same trials stopped at the same rungs");
    assertTrue(Files.readString(f.resolveSibling("iris-search.search.html")).contains("prune: halving, reduction: 3"));

    Path g = copy(sample().replace("search random(trials: 12, metric: val_loss, seed: 1)", "search random(trials: 4, reduction: 2)"));
    CliTest.Run bad = nnet("check", g.toString());
    assertTrue(bad.code() != 0 && bad.err().contains("'reduction' is successive halving's"), bad.err());
  }

  @Test
  void coarseToFineNarrowsEachRoundAroundTheBest() throws Exception {
    Path f = copy(sample().replace("search random(trials: 12, metric: val_loss, seed: 1)", "search coarse_to_fine(trials: 12, rounds: 3, keep: 2, metric: val_loss, seed: 4)"));
    CliTest.Run r = nnet("search", f.toString(), "--parallel", "2", "--json");
    assertEquals(0, r.code(), r.err());
    double[] lr = new double[13];
    double[] loss = new double[13];
    double[] width = new double[13];
    for (String l : Files.readAllLines(f.resolveSibling("iris-search.search.jsonl"))) {
      int t = Integer.parseInt(l.replaceAll("\\{\"trial\":(\\d+),.*", "$1"));
      lr[t] = Double.parseDouble(l.replaceAll(".*\"lr\":([^,}]+).*", "$1"));
      width[t] = Double.parseDouble(l.replaceAll(".*\"width\":([^,}]+).*", "$1"));
      loss[t] = Double.parseDouble(l.replaceAll(".*\"value\":([^,}]+).*", "$1"));
    }
    // round 2 (trials 5-8) draws within the best two of round 1 (trials 1-4), widened by a quarter of their span on a log scale
    java.util.List<Integer> order = new java.util.ArrayList<>(List.of(1, 2, 3, 4));
    order.sort((x, y) -> Double.compare(loss[x], loss[y]));
    double lo = Math.log(Math.min(lr[order.get(0)], lr[order.get(1)])), hi = Math.log(Math.max(lr[order.get(0)], lr[order.get(1)]));
    double m = (hi - lo) / 4 + 1e-9;
    for (int t = 5; t <= 8; t++) {
      assertTrue(Math.log(lr[t]) >= lo - m && Math.log(lr[t]) <= hi + m, "trial " + t + "'s lr " + lr[t] + " lies in the narrowed range");
      assertTrue(width[t] == width[order.get(0)] || width[t] == width[order.get(1)], "trial " + t + "'s width is one the best two used");
    }
  }

  @Test
  void gridTriesEveryCombination() throws Exception {
    Path f = copy(sample().replace("let width  = 16   search choice(4, 8, 16, 32)", "let width  = 16")
        .replace("let p_drop = 0.1  search uniform(0.0, 0.5)", "let p_drop = 0.1  search uniform(0.0, 0.4)")
        .replace("search random(trials: 12, metric: val_loss, seed: 1)", "search grid(points: 3)"));
    CliTest.Run r = nnet("search", f.toString(), "--json");
    assertEquals(0, r.code(), r.err());
    List<String> t = trials(f);
    assertEquals(9, t.size(), String.join("\n", t));
    String all = String.join("\n", t);
    for (String v : new String[] {"\"lr\":1.0E-4,", "\"lr\":0.00316227766017,", "\"lr\":0.1,", "\"p_drop\":0.0}", "\"p_drop\":0.2}", "\"p_drop\":0.4}"}) {
      assertTrue(all.contains(v), v + " in\n" + all);
    }
  }

  @Test
  void theCoreCliSaysWhereSparkIs() throws Exception {
    Path f = copy(sample());
    CliTest.Run r = nnet("search", f.toString(), "--spark", "local[2]", "--trials", "2");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("this nnet has no Spark runner") && r.err().contains("nnet-spark.jar"), r.err());
  }

  @Test
  void wholeNumberDomainsGiveWholeValuesThatTrain() throws Exception {
    Path f = copy(sample().replace("choice(4, 8, 16, 32)", "int(4, 32)").replace("let lr     = 0.01 search loguniform(1e-4, 1e-1)", "let lr     = 0.01")
        .replace("let p_drop = 0.1  search uniform(0.0, 0.5)", "let p_drop = 0.1").replace("search random(trials: 12, metric: val_loss, seed: 1)", "search grid(points: 3)"));
    CliTest.Run r = nnet("search", f.toString(), "--json");
    assertEquals(0, r.code(), r.err());
    String all = String.join("\n", trials(f));
    assertEquals(3, trials(f).size(), all);
    for (String w : new String[] {"\"width\":4.0}", "\"width\":18.0}", "\"width\":32.0}"}) assertTrue(all.contains(w), w + " in\n" + all);
    assertTrue(!all.contains("\"error\""), "every width trains: " + all);
    assertTrue(Files.readString(f.resolveSibling("iris-search.best.nnet")).matches("(?s).*let width  = (4|18|32)\n.*"), "written whole");
  }

  @Test
  void plainTrainingUsesTheFilesValues() throws Exception {
    Path f = copy(sample());
    CliTest.Run check = nnet("check", f.toString());
    assertEquals(0, check.code(), check.err());
    assertTrue(check.out().contains("dense(16"), "width 16 as written: " + check.out());
  }

  @Test
  void mistakesArePositioned() throws Exception {
    String s = sample();
    String[][] cases = {
        {s.replace("loguniform(1e-4, 1e-1)", "loguniform(0, 1e-1)"), ":6:37: error: loguniform starts at 0: a log scale needs bounds above 0"},
        {s.replace("choice(4, 8, 16, 32)", "uniform(4, 32)"), ":7:26: error: the domain of 'width' reaches 14.36, which the file refuses: the number of units must be a whole number"},
        {s.replace("uniform(0.0, 0.5)", "uniform(0.0, 1.0)"), ":8:26: error: the domain of 'p_drop' reaches 1, which the file refuses: dropout probability"},
        {s.replace("dropout(p_drop)", "dropout(0.1)"), ":8:5: error: 'p_drop' is searched but nothing uses it"},
        {s.replace("  validation 0.3\n", ""), "error: the search is measured on val_loss but the data block sets no validation data aside"},
        {s.replace("search random(", "search annealing("), "error: unknown search strategy 'annealing'"},
        {s.replace("search random(trials: 12", "search coarse_to_fine(rounds: 4, trials: 3"), "error: 4 rounds need at least as many trials, got 3"},
        {s.replace("trials: 12", "trials: 0"), "error: 'trials' takes a whole number of at least 1"},
    };
    for (String[] c : cases) {
      Path f = copy(c[0]);
      CliTest.Run r = nnet("search", f.toString());
      assertEquals(1, r.code(), c[1] + "\n" + r.out());
      assertTrue(r.err().contains(c[1]), "expected " + c[1] + " in:\n" + r.err());
    }
  }
}

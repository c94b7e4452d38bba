package dev.nnet.tests;

import static dev.nnet.tests.CliTest.nnet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nnet.NnetCompiler;
import dev.nnet.report.ReportRecorder;
import dev.nnet.report.RunHistory;
import dev.nnet.runtime.Checkpoint;
import dev.nnet.runtime.Npz;
import dev.nnet.runtime.Trainer;
import dev.nnet.syntax.SourceFile;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nnet train --report: the page as Chromium shows it, the history in the checkpoint, and a run unchanged by being watched. */
class ReportTest {
  @TempDir
  Path dir;

  /** Iris with batchnorm and dropout, a plateau schedule and early stopping, the data file as its test split too. */
  String irisFile(String extraTraining) {
    String csv = Samples.sample("data/iris.csv").toString().replace("\\", "/");
    return "model IrisReport\ninput [4]\nnetwork {\n  dense(16) -> batchnorm -> relu -> dropout(0.1)\n  dense(8) -> tanh\n  dense(3)\n}\n"
        + "loss softmax_cross_entropy\ntraining {\n  batch 16\n  epochs 25\n  seed 3\n  optimizer adam(lr: 0.05)\n"
        + "  schedule plateau(monitor: val_loss, patience: 1, factor: 0.5)\n" + extraTraining + "}\n"
        + "data {\n  train csv(\"" + csv + "\", label: \"species\")\n  test csv(\"" + csv + "\", label: \"species\")\n  validation 0.2\n  preprocess standardize\n}\n";
  }

  @Test
  void reportOpensCleanInChromiumAndIsRebuiltFromTheCheckpoint() throws Exception {
    Path file = dir.resolve("iris-report.nnet"), html = dir.resolve("run.html"), ckpt = dir.resolve("run.ckpt");
    Files.writeString(file, irisFile(""));
    CliTest.Run train = nnet("train", file.toString(), "--report", html.toString(), "-o", ckpt.toString());
    assertEquals(0, train.code(), train.err());
    assertTrue(train.out().contains("report: " + html), train.out());
    String page = Files.readString(html);
    for (String external : new String[] {"<script", "<link", "@import", "url(http", "<iframe"}) {
      assertFalse(page.contains(external), "the page is self-contained, but has " + external);
    }
    // (the SVG namespace names http://www.w3.org/2000/svg; nothing is fetched from anywhere)
    assertFalse(Pattern.compile("(src|href)\\s*=\\s*['\"](https?:|//)").matcher(page).find(), "no address outside the page");
    assertFalse(page.contains("http-equiv=\"refresh\""), "a finished run's page no longer reloads");
    assertTrue(page.contains("finished: ") && page.contains("setosa") && page.contains("id=\"confusion\""), "status, class names, confusion matrix");
    assertTrue(page.contains("rate cut to"), "the plateau schedule's cuts are listed");

    // the history went into the checkpoint: nnet report draws the same page again, and the checkpoint still loads
    Path again = dir.resolve("again.html");
    CliTest.Run report = nnet("report", ckpt.toString(), "-o", again.toString());
    assertEquals(0, report.code(), report.err());
    assertEquals(page, Files.readString(again), "nnet report CKPT rebuilds the very page");
    assertEquals(0, nnet("eval", file.toString(), "--weights", ckpt.toString()).code());

    Path browser = Browser.executable();
    Assumptions.assumeTrue(browser != null, "SKIPPED: Chromium is not installed (scripts/install-browser.sh, or sudo apt-get install chromium)");
    Browser.Page shown = Browser.open(html, dir.resolve("shot.png"), 1330, 3000);
    assertEquals(List.of(), shown.console(), "the page loads without console messages");
    for (String chart : new String[] {"loss", "accuracy", "rate", "gradient", "spread", "layer-gradients", "dead", "saturated"}) {
      Matcher m = Pattern.compile("<figure class=\"chart\" id=\"chart-" + chart + "\">(.*?)</figure>", Pattern.DOTALL).matcher(shown.dom());
      assertTrue(m.find(), "chart " + chart + " is on the page");
      String svg = m.group(1);
      assertTrue(svg.contains("<svg"), chart + " is drawn");
      int segments = 0;
      Matcher d = Pattern.compile(" d=['\"]([^'\"]*)['\"]").matcher(svg);
      while (d.find()) segments = Math.max(segments, d.group(1).split("L").length - 1);
      assertTrue(segments >= 3, "chart " + chart + " has a line of several points (longest path: " + segments + " segments)");
    }
    BufferedImage img = shown.screenshot();
    int blue = 0;
    java.util.Set<Integer> colours = new java.util.HashSet<>();
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y) & 0xffffff;
        colours.add(rgb);
        if (rgb == 0x1f77b4) blue++;
      }
    }
    assertTrue(blue > 500, "the screenshot shows the charts' lines (" + blue + " pixels of the first series' blue)");
    assertTrue(colours.size() > 100, "the screenshot is not blank: " + colours.size() + " colours");
  }

  @Test
  void theBrowserCheckSeesConsoleErrors() throws Exception {
    Assumptions.assumeTrue(Browser.executable() != null, "SKIPPED: Chromium is not installed");
    Path broken = dir.resolve("broken.html");
    Files.writeString(broken, "<!DOCTYPE html><html><body><p>x</p><script>notDefined();</script></body></html>");
    Browser.Page shown = Browser.open(broken, dir.resolve("broken.png"), 400, 300);
    assertEquals(1, shown.console().size(), "a page with an error is caught: " + shown.console());
    assertTrue(shown.console().get(0).contains("notDefined"), shown.console().get(0));
  }

  @Test
  void aWatchedRunTrainsExactlyAsAnUnwatchedOne() throws Exception {
    Path file = dir.resolve("iris-report.nnet");
    Files.writeString(file, irisFile(""));
    NnetCompiler.Compiled c = NnetCompiler.defaults().compile(SourceFile.read(file));
    Trainer plain = c.newTrainer();
    plain.fit();
    Trainer watched = c.newTrainer();
    RunHistory h = new RunHistory();
    watched.listener(new ReportRecorder(h, true, null));
    watched.fit();
    assertTrue(h.layers.size() > 0 && h.steps.size() > 0, "the recorder measured layers and steps");
    Map<String, Npz.Array> a = plain.stateDict(), b = watched.stateDict();
    assertEquals(a.keySet(), b.keySet());
    for (String k : a.keySet()) assertArrayEquals(a.get(k).data(), b.get(k).data(), 0.0, k + " is bit-identical");
  }

  @Test
  void aDivergingRunIsMarkedWhereItFailed() throws Exception {
    Path file = dir.resolve("diverge.nnet"), html = dir.resolve("diverge.html"), ckpt = dir.resolve("diverge.ckpt");
    Files.writeString(file, irisFile("").replace("adam(lr: 0.05)", "sgd(lr: 1e38)").replace("  schedule plateau(monitor: val_loss, patience: 1, factor: 0.5)\n", ""));
    CliTest.Run train = nnet("train", file.toString(), "--report", html.toString(), "-o", ckpt.toString());
    assertEquals(1, train.code(), train.out());
    String page = Files.readString(html);
    assertTrue(page.contains("class=\"status failed\""), "the page says the run failed");
    assertTrue(page.contains("non-finite loss") || page.contains("at step"), "the chart marks where the loss went non-finite");
    assertFalse(page.contains("http-equiv=\"refresh\""), "a failed run's page is final");
  }

  @Test
  void reportSettingInTheFileAndItsErrors() throws Exception {
    Path file = dir.resolve("setting.nnet");
    Files.writeString(file, irisFile("  report \"" + dir.resolve("from-file.html").toString().replace("\\", "/") + "\"\n").replace("epochs 25", "epochs 2"));
    CliTest.Run check = nnet("check", file.toString());
    assertTrue(check.out().contains("report      ") && check.out().contains("from-file.html"), check.out());
    assertEquals(0, nnet("train", file.toString(), "-o", dir.resolve("s.ckpt").toString()).code());
    assertTrue(Files.exists(dir.resolve("from-file.html")), "the training block's report is written");
    Files.writeString(file, irisFile("  report \"notes.txt\"\n"));
    CliTest.Run bad = nnet("check", file.toString());
    assertEquals(1, bad.code());
    assertTrue(bad.err().contains("setting.nnet:15:10: error: the report is an .html file"), bad.err());
    CliTest.Run none = nnet("report", dir.resolve("s.ckpt").toString().replace("s.ckpt", "nothing.ckpt"));
    assertEquals(1, none.code());
    assertNotNull(none.err());
  }

  @Test
  void checkpointsWithoutHistorySaySo() throws Exception {
    Path ckpt = dir.resolve("plain.ckpt");
    assertEquals(0, nnet("train", CliTest.iris(), "--epochs", "2", "-o", ckpt.toString()).code());
    CliTest.Run r = nnet("report", ckpt.toString(), "-o", dir.resolve("x.html").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("holds no training history") && r.err().contains("--report"), r.err());
    assertEquals(null, Checkpoint.history(ckpt));
  }
}

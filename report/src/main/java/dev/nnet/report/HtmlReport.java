package dev.nnet.report;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A {@link RunHistory} as one self-contained HTML page: inline SVG charts, inline CSS, images as data URIs; no
 * script, no font, nothing fetched. While the run goes on the page asks the browser to reload it every
 * {@link #REFRESH_SECONDS} seconds; once it is final it does not. Every text that came from outside (class
 * names from a CSV, layer names, the command) is escaped.
 */
public final class HtmlReport {
  private HtmlReport() {}

  static final int REFRESH_SECONDS = 10;
  /** How many of the most confidently wrong test images the page shows. */
  public static final int WRONG_SHOWN = 24;

  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** The page; the same history always gives the same text. */
  public static synchronized String render(RunHistory h) {
    Charts.restartNumbering();
    StringBuilder b = new StringBuilder(64 * 1024);
    boolean live = h.status.equals("running");
    b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    if (live) b.append("<meta http-equiv=\"refresh\" content=\"").append(REFRESH_SECONDS).append("\">\n");
    b.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    b.append("<title>").append(esc(h.model)).append(" — nnet training report</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
    header(b, h, live);
    curves(b, h);
    layers(b, h);
    test(b, h);
    b.append("<section id=\"model\"><h2>Model</h2>\n<pre>").append(esc(h.modelTable)).append("</pre>\n</section>\n");
    b.append("<section id=\"data\"><h2>Data</h2>\n<pre>").append(esc(h.dataSummary)).append("</pre>\n</section>\n");
    reproduce(b, h);
    b.append("</body>\n</html>\n");
    return b.toString();
  }

  private static void header(StringBuilder b, RunHistory h, boolean live) {
    b.append("<header>\n<h1>").append(esc(h.model)).append(" <small>").append(esc(h.source)).append("</small></h1>\n");
    int done = h.epochs.isEmpty() ? 0 : h.epochs.get(h.epochs.size() - 1).epoch();
    String state = switch (h.status) {
      case "running" -> "running: epoch " + done + " of " + h.epochsPlanned + " done; this page reloads every " + REFRESH_SECONDS + " s";
      case "failed" -> "failed after epoch " + done + ": " + h.failure;
      default -> "finished: " + done + " epoch" + (done == 1 ? "" : "s");
    };
    b.append("<p class=\"status ").append(esc(h.status)).append("\" id=\"status\">").append(esc(state)).append("</p>\n");
    b.append("<div class=\"figures\">\n");
    if (h.test != null) {
      figure(b, "test accuracy", Double.isNaN(h.test.accuracy()) ? "—" : fmt("%.4f", h.test.accuracy()));
      figure(b, "test loss", fmt("%.4f", h.test.loss()));
    }
    RunHistory.Epoch best = null;
    for (RunHistory.Epoch e : h.epochs) if (!Double.isNaN(e.valLoss()) && (best == null || e.valLoss() < best.valLoss())) best = e;
    if (best != null) figure(b, "best val_loss", fmt("%.4f", best.valLoss()) + " <small>epoch " + best.epoch() + "</small>");
    double seconds = 0, samples = 0;
    for (RunHistory.Epoch e : h.epochs) {
      seconds += e.seconds();
      samples += e.samplesPerSecond() * e.seconds();
    }
    if (seconds > 0) {
      figure(b, "training time", fmt("%.1f s", seconds));
      figure(b, "samples/s", fmt("%,.0f", samples / seconds));
    }
    b.append("</div>\n</header>\n");
  }

  private static void figure(StringBuilder b, String what, String value) {
    b.append("<div class=\"figure\"><span>").append(esc(what)).append("</span><b>").append(value).append("</b></div>\n");
  }

  private static void curves(StringBuilder b, RunHistory h) {
    b.append("<section id=\"curves\"><h2>Training</h2>\n");
    List<Charts.Mark> marks = marks(h);
    Charts.Line steps = Charts.Line.of("batch loss (steps)", true, false), train = Charts.Line.of("train loss", false, true),
        val = Charts.Line.of("val loss", false, true);
    for (RunHistory.Step s : h.steps) steps.add(s.at(), s.loss());
    for (RunHistory.Epoch e : h.epochs) {
      train.add(e.epoch(), e.trainLoss());
      val.add(e.epoch(), e.valLoss());
    }
    chart(b, "loss", Charts.svg("Loss", "epoch", "loss", List.of(steps, train, val), marks, false), "Train loss is the mean over each epoch's batches (dropout on); "
        + "val loss is measured after the epoch in evaluation mode; the faint line is single batches. Dashed lines: purple where the plateau "
        + "schedule cut the rate, green the best epoch, red a non-finite loss.");
    Charts.Line trainAcc = Charts.Line.of("train accuracy", false, true), valAcc = Charts.Line.of("val accuracy", false, true);
    for (RunHistory.Epoch e : h.epochs) {
      trainAcc.add(e.epoch(), e.trainAccuracy());
      valAcc.add(e.epoch(), e.valAccuracy());
    }
    chart(b, "accuracy", Charts.svg("Accuracy", "epoch", "accuracy", List.of(trainAcc, valAcc), marks, false), null);
    Charts.Line rate = Charts.Line.of("learning rate", false, false);
    for (RunHistory.Step s : h.steps) rate.add(s.at(), s.learningRate());
    chart(b, "rate", Charts.svg("Learning rate", "epoch", "rate", List.of(rate), marks, true), null);
    Charts.Line norm = Charts.Line.of("gradient norm", false, false);
    for (RunHistory.Step s : h.steps) norm.add(s.at(), s.gradientNorm());
    chart(b, "gradient", Charts.svg("Gradient norm (all weights, before clipping)", "epoch", "L2 norm", List.of(norm), marks, true), null);
    if (!h.markers.isEmpty()) {
      b.append("<ul class=\"events\" id=\"events\">\n");
      for (RunHistory.Marker m : h.markers) b.append("<li>").append(fmt("epoch %.2f", m.at())).append(": ").append(esc(m.label())).append("</li>\n");
      b.append("</ul>\n");
    }
    b.append("</section>\n");
  }

  private static List<Charts.Mark> marks(RunHistory h) {
    List<Charts.Mark> marks = new ArrayList<>();
    for (RunHistory.Marker m : h.markers) {
      Color c = switch (m.kind()) {
        case "plateau" -> new Color(0x9467bd);
        case "best" -> new Color(0x2ca02c);
        case "nan" -> new Color(0xd62728);
        case "stop" -> new Color(0x7f7f7f);
        default -> new Color(0x17becf);
      };
      String label = switch (m.kind()) { // short: the list under the charts says the rest
        case "plateau" -> null;
        case "best" -> "best";
        case "nan" -> "non-finite loss";
        case "stop" -> "stop";
        default -> m.kind();
      };
      marks.add(new Charts.Mark(m.at(), label, c));
    }
    return marks;
  }

  /** Per layer over the epochs: what nnet diagnose measures once, measured after every epoch on the same batch. */
  private static void layers(StringBuilder b, RunHistory h) {
    b.append("<section id=\"layers\"><h2>Layers</h2>\n");
    if (h.layers.isEmpty()) {
      b.append("<p>No epoch has finished yet.</p>\n</section>\n");
      return;
    }
    Map<String, Charts.Line> spread = new LinkedHashMap<>(), grad = new LinkedHashMap<>(), dead = new LinkedHashMap<>(), sat = new LinkedHashMap<>();
    for (RunHistory.Layer l : h.layers) {
      boolean product = l.operation().equals("dense") || l.operation().equals("conv") || l.operation().equals("depthwise_conv");
      if (product) {
        spread.computeIfAbsent(l.layer(), n -> Charts.Line.of(n, false, true)).add(l.epoch(), l.activationStd());
        grad.computeIfAbsent(l.layer(), n -> Charts.Line.of(n, false, true)).add(l.epoch(), l.gradientNorm());
      }
      if (!Double.isNaN(l.dead())) dead.computeIfAbsent(l.layer(), n -> Charts.Line.of(n, false, true)).add(l.epoch(), l.dead());
      if (!Double.isNaN(l.saturated())) sat.computeIfAbsent(l.layer(), n -> Charts.Line.of(n, false, true)).add(l.epoch(), l.saturated());
    }
    b.append("<p>Measured after every epoch on the same batch (the first of the validation split, or of the training data), "
        + "forward in training mode and backward, as <code>nnet diagnose</code> does.</p>\n");
    chart(b, "spread", Charts.svg("Activation spread (std of each product's output)", "epoch", "std", new ArrayList<>(spread.values()), List.of(), false),
        "A spread shrinking from layer to layer means vanishing signals; growing, exploding ones.");
    chart(b, "layer-gradients", Charts.svg("Gradient norm at each product's output", "epoch", "L2 norm", new ArrayList<>(grad.values()), List.of(), true), null);
    String d = Charts.svg("Dead ReLUs (0 for the whole batch)", "epoch", "fraction", new ArrayList<>(dead.values()), List.of(), false);
    if (d != null) chart(b, "dead", d, null);
    String s = Charts.svg("Saturated sigmoid/tanh outputs", "epoch", "fraction", new ArrayList<>(sat.values()), List.of(), false);
    if (s != null) chart(b, "saturated", s, null);
    b.append("<h3>Findings</h3>\n");
    if (h.findings.isEmpty()) b.append("<p id=\"findings\">None: no vanishing or exploding signal, no layer mostly dead or saturated.</p>\n");
    else {
      b.append("<ul id=\"findings\">\n");
      for (String f : h.findings) b.append("<li>").append(esc(f)).append("</li>\n");
      b.append("</ul>\n");
    }
    b.append("</section>\n");
  }

  private static void test(StringBuilder b, RunHistory h) {
    b.append("<section id=\"test\"><h2>Test</h2>\n");
    RunHistory.Test t = h.test;
    if (t == null) {
      b.append("<p>").append(h.status.equals("running") ? "The test split is evaluated once, after training." : "No test split.").append("</p>\n</section>\n");
      return;
    }
    b.append("<p>").append(t.count()).append(" samples, loss ").append(fmt("%.4f", t.loss()));
    if (!Double.isNaN(t.accuracy())) b.append(", accuracy <b>").append(fmt("%.4f", t.accuracy())).append("</b>");
    b.append(".</p>\n");
    int k = t.confusion().length;
    if (k > 0) {
      int max = 1;
      int[] predicted = new int[k], actual = new int[k];
      for (int i = 0; i < k; i++) {
        for (int j = 0; j < k; j++) {
          max = Math.max(max, t.confusion()[i][j]);
          predicted[j] += t.confusion()[i][j];
          actual[i] += t.confusion()[i][j];
        }
      }
      b.append("<h3>Confusion matrix</h3>\n<p>Rows: the true class; columns: the predicted one.</p>\n<table class=\"confusion\" id=\"confusion\">\n<tr><th></th>");
      for (int j = 0; j < k; j++) b.append("<th>").append(esc(name(t, j))).append("</th>");
      b.append("</tr>\n");
      for (int i = 0; i < k; i++) {
        b.append("<tr><th>").append(esc(name(t, i))).append("</th>");
        for (int j = 0; j < k; j++) {
          int v = t.confusion()[i][j];
          double a = Math.sqrt(v / (double) max);
          String bg = i == j ? fmt("rgba(44,160,44,%.3f)", a) : fmt("rgba(214,39,40,%.3f)", Math.min(1, 2 * a));
          b.append("<td style=\"background:").append(bg).append("\">").append(v).append("</td>");
        }
        b.append("</tr>\n");
      }
      b.append("</table>\n<h3>Per class</h3>\n<table class=\"classes\" id=\"per-class\">\n<tr><th>class</th><th>precision</th><th>recall</th><th>samples</th></tr>\n");
      for (int c = 0; c < k; c++) {
        double precision = predicted[c] == 0 ? Double.NaN : t.confusion()[c][c] / (double) predicted[c];
        double recall = actual[c] == 0 ? Double.NaN : t.confusion()[c][c] / (double) actual[c];
        b.append("<tr><td>").append(esc(name(t, c))).append("</td><td>").append(Double.isNaN(precision) ? "—" : fmt("%.3f", precision))
            .append("</td><td>").append(Double.isNaN(recall) ? "—" : fmt("%.3f", recall)).append("</td><td>").append(actual[c]).append("</td></tr>\n");
      }
      b.append("</table>\n");
    }
    if (!t.wrong().isEmpty()) {
      b.append("<h3>Most confidently wrong</h3>\n<div class=\"wrong\" id=\"wrong\">\n");
      for (RunHistory.Wrong w : t.wrong()) {
        b.append("<figure><img alt=\"test image ").append(w.index()).append("\" src=\"data:image/png;base64,")
            .append(png(w.pixels(), t.channels(), t.height(), t.width())).append("\"><figcaption>#").append(w.index()).append("<br>")
            .append(esc(name(t, w.predicted()))).append(" ").append(fmt("%.0f%%", 100 * w.confidence())).append("<br><i>is ")
            .append(esc(name(t, w.label()))).append("</i></figcaption></figure>\n");
      }
      b.append("</div>\n");
    }
    b.append("</section>\n");
  }

  private static String name(RunHistory.Test t, int c) {
    return c < t.classNames().size() ? t.classNames().get(c) : Integer.toString(c);
  }

  /** A test image as PNG, base64: grey for one channel, RGB for three; each scaled to its own range. */
  static String png(float[] px, int channels, int height, int width) {
    float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
    for (float v : px) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    float range = hi > lo ? hi - lo : 1;
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int plane = height * width;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int i = y * width + x;
        int r = level(px[i], lo, range);
        int g = channels >= 3 ? level(px[plane + i], lo, range) : r, bl = channels >= 3 ? level(px[2 * plane + i], lo, range) : r;
        img.setRGB(x, y, (r << 16) | (g << 8) | bl);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Base64.getEncoder().encodeToString(out.toByteArray());
  }

  private static int level(float v, float lo, float range) {
    return Math.max(0, Math.min(255, Math.round((v - lo) / range * 255)));
  }

  private static void reproduce(StringBuilder b, RunHistory h) {
    b.append("<section id=\"reproduce\"><h2>Reproduce</h2>\n<pre>").append(esc(h.command)).append("\n\nseed ").append(h.seed)
        .append(" (the file's; the same command gives the same run)\nprecision ").append(esc(h.precision)).append("\nstarted ").append(esc(h.started))
        .append("\nmachine ").append(esc(h.machine)).append("\n").append(esc(h.java)).append("</pre>\n</section>\n");
  }

  private static void chart(StringBuilder b, String id, String svg, String note) {
    if (svg == null) return;
    b.append("<figure class=\"chart\" id=\"chart-").append(id).append("\">\n").append(svg).append("\n");
    if (note != null) b.append("<figcaption>").append(esc(note)).append("</figcaption>\n");
    b.append("</figure>\n");
  }

  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c < 0x20 && c != '\n' && c != '\t' ? '?' : c);
      }
    }
    return b.toString();
  }

  private static String fmt(String f, Object... args) {
    return String.format(Locale.ROOT, f, args);
  }

  static String css() {
    return CSS;
  }

  private static final String CSS = """
      body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0 auto; max-width: 1330px; padding: 0 20px 40px; }
      h1 { margin: 18px 0 4px; font-size: 24px; } h1 small { color: #777; font-weight: normal; font-size: 14px; }
      h2 { border-bottom: 1px solid #ddd; padding-bottom: 3px; margin-top: 28px; }
      .status { margin: 0 0 10px; color: #555; } .status.failed { color: #b00; font-weight: bold; } .status.running { color: #06c; }
      .figures { display: flex; gap: 12px; flex-wrap: wrap; }
      .figure { border: 1px solid #ddd; border-radius: 6px; padding: 6px 12px; min-width: 120px; }
      .figure span { display: block; color: #777; font-size: 12px; } .figure b { font-size: 20px; }
      figure.chart { display: inline-block; margin: 8px 8px 8px 0; vertical-align: top; width: 620px; }
      figure.chart svg { display: block; border: 1px solid #eee; }
      figcaption { color: #666; font-size: 12px; }
      pre { background: #f7f7f7; padding: 10px; overflow-x: auto; font-size: 12px; }
      table { border-collapse: collapse; margin: 6px 0 14px; } td, th { border: 1px solid #ddd; padding: 3px 7px; text-align: right; }
      table.confusion td { min-width: 34px; } table.classes td:first-child { text-align: left; }
      .wrong { display: flex; flex-wrap: wrap; gap: 10px; }
      .wrong figure { margin: 0; width: 92px; text-align: center; font-size: 11px; }
      .wrong img { width: 84px; height: 84px; image-rendering: pixelated; border: 1px solid #ccc; }
      ul.events { color: #555; }
      """;
}

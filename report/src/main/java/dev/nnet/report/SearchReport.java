package dev.nnet.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A hyperparameter search as one self-contained HTML page, in the training report's style: the metric against
 * each hyperparameter, the best so far against the trial number, and every trial in a table; rewritten as
 * each trial finishes and reloading itself until the search ends.
 */
public final class SearchReport {
  private SearchReport() {}

  /** A searched hyperparameter: its name, its domain as written, whether it is on a log scale. */
  public record Param(String name, String domain, boolean log) {}

  /** A finished trial; metric NaN and error set when it failed. */
  public record Trial(int number, Map<String, Double> values, double metric, int epochs, double seconds, boolean pruned, String error) {}

  /**
   * @param strategy the search line's strategy as the file writes it, such as random(trials: 24, ...)
   * @param planned  trials the search will run
   */
  public record Search(String model, String source, String strategy, String metric, boolean maximize, int planned, List<Param> params,
                       List<Trial> trials, boolean running, String command) {}

  public static synchronized String render(Search s) {
    Charts.restartNumbering();
    StringBuilder b = new StringBuilder(32 * 1024);
    b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    if (s.running()) b.append("<meta http-equiv=\"refresh\" content=\"").append(HtmlReport.REFRESH_SECONDS).append("\">\n");
    b.append("<title>").append(HtmlReport.esc(s.model())).append(" — nnet search</title>\n<style>\n").append(HtmlReport.css()).append("</style>\n</head>\n<body>\n");
    Trial best = null;
    for (Trial t : s.trials()) {
      if (t.error() != null || Double.isNaN(t.metric())) continue;
      if (best == null || (s.maximize() ? t.metric() > best.metric() : t.metric() < best.metric())) best = t;
    }
    b.append("<header>\n<h1>").append(HtmlReport.esc(s.model())).append(" <small>").append(HtmlReport.esc(s.source())).append("</small></h1>\n");
    String state = (s.running() ? "running: " : "finished: ") + s.trials().size() + " of " + s.planned() + " trials, " + s.strategy()
        + (s.running() ? "; this page reloads every " + HtmlReport.REFRESH_SECONDS + " s" : "");
    b.append("<p class=\"status ").append(s.running() ? "running" : "finished").append("\" id=\"status\">").append(HtmlReport.esc(state)).append("</p>\n");
    if (best != null) {
      StringBuilder v = new StringBuilder();
      for (Param p : s.params()) v.append(v.length() > 0 ? ", " : "").append(p.name()).append(" = ").append(fmt("%.4g", best.values().get(p.name())));
      b.append("<div class=\"figures\"><div class=\"figure\"><span>best ").append(HtmlReport.esc(s.metric())).append("</span><b>")
          .append(fmt("%.4f", best.metric())).append(" <small>trial ").append(best.number()).append("</small></b></div>")
          .append("<div class=\"figure\"><span>with</span><b>").append(HtmlReport.esc(v.toString())).append("</b></div></div>\n");
    }
    b.append("</header>\n<section id=\"charts\"><h2>Trials</h2>\n");
    for (Param p : s.params()) {
      Charts.Line ok = Charts.Line.of("finished", false, true), pruned = Charts.Line.of("pruned (best before stopping)", false, true);
      for (Trial t : s.trials()) if (t.error() == null) (t.pruned() ? pruned : ok).add(t.values().get(p.name()), t.metric());
      chart(b, "param-" + p.name(), Charts.svg(s.metric() + " against " + p.name() + " " + p.domain(), p.name() + (p.log() ? " (log scale)" : ""), s.metric(),
          List.of(ok, pruned), List.of(), false, p.log(), true), null);
    }
    List<Trial> ordered = new ArrayList<>(s.trials());
    ordered.sort((x, y) -> Integer.compare(x.number(), y.number()));
    Charts.Line running = Charts.Line.of("best so far", false, false), each = Charts.Line.of("each trial", false, true);
    double bestSoFar = Double.NaN;
    for (Trial t : ordered) {
      if (t.error() != null || Double.isNaN(t.metric())) continue;
      each.add(t.number(), t.metric());
      if (Double.isNaN(bestSoFar) || (s.maximize() ? t.metric() > bestSoFar : t.metric() < bestSoFar)) bestSoFar = t.metric();
      running.add(t.number(), bestSoFar);
    }
    chart(b, "best", Charts.svg("Best " + s.metric() + " so far", "trial", s.metric(), List.of(running, each), List.of(), false), null);
    b.append("</section>\n<section id=\"table\"><h2>Every trial</h2>\n<table class=\"classes\" id=\"trials\">\n<tr><th>trial</th>");
    for (Param p : s.params()) b.append("<th>").append(HtmlReport.esc(p.name())).append("</th>");
    b.append("<th>").append(HtmlReport.esc(s.metric())).append("</th><th>epochs</th><th>time</th><th></th></tr>\n");
    for (Trial t : ordered) {
      b.append("<tr").append(best != null && t.number() == best.number() ? " style=\"background:#e6f4e6\"" : "").append("><td>").append(t.number()).append("</td>");
      for (Param p : s.params()) b.append("<td>").append(fmt("%.4g", t.values().get(p.name()))).append("</td>");
      b.append("<td>").append(t.error() != null ? "—" : fmt("%.4f", t.metric())).append("</td><td>").append(t.epochs()).append("</td><td>")
          .append(fmt("%.1f s", t.seconds())).append("</td><td style=\"text-align:left\">")
          .append(t.error() != null ? "failed: " + HtmlReport.esc(t.error()) : t.pruned() ? "pruned" : "").append("</td></tr>\n");
    }
    b.append("</table>\n</section>\n<section id=\"reproduce\"><h2>Reproduce</h2>\n<pre>").append(HtmlReport.esc(s.command()))
        .append("</pre>\n</section>\n</body>\n</html>\n");
    return b.toString();
  }

  private static void chart(StringBuilder b, String id, String svg, String note) {
    if (svg == null) return;
    b.append("<figure class=\"chart\" id=\"chart-").append(id).append("\">\n").append(svg).append("\n");
    if (note != null) b.append("<figcaption>").append(HtmlReport.esc(note)).append("</figcaption>\n");
    b.append("</figure>\n");
  }

  private static String fmt(String f, Object... a) {
    return String.format(Locale.ROOT, f, a);
  }
}

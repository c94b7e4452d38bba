package dev.nnet.cli;

import dev.nnet.analysis.SearchSpec;
import dev.nnet.runtime.AtomicFile;
import dev.nnet.runtime.NnetException;
import dev.nnet.search.Search;
import dev.nnet.syntax.SourceFile;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedRangeXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "search", header = "Search the file's hyperparameters on this machine's cores.",
    description = {"Tries values for every 'let NAME = VALUE search DOMAIN' of the file, as its 'search random(...)' or 'search grid(...)' "
        + "line says: each trial is the file with its values written in, trained on one thread on the training data and measured on the "
        + "validation split (or the folds' mean with 'folds k'); the test split is not touched. Prints each trial as it finishes, then the "
        + "best, and writes FILE.search.jsonl (a line per finished trial, appended as it finishes), FILE.best.nnet (the file with the best "
        + "values, no search: 'nnet train' it to meet the test split once) and FILE.search.png (the metric against each hyperparameter, "
        + "and the best so far against the trial number). A trial's values and seed depend only on the search seed and its number.",
        "",
        "Example:",
        "  nnet search samples/iris-search.nnet --parallel 2",
        "  nnet train samples/iris-search.best.nnet"})
final class SearchCommand implements Callable<Integer> {
  @Mixin
  Common common;

  @Option(names = "--trials", paramLabel = "N", description = "run N trials instead of the file's (a grid: its first N points)")
  int trials;

  @Option(names = "--parallel", paramLabel = "K", description = "trials at a time, each on one thread (default: the file's 'parallel', else the number of cores)")
  int parallel;

  @Option(names = "--spark", paramLabel = "MASTER",
      description = "run the trials as Apache Spark tasks: local[K], spark://host:7077, yarn, k8s://..., or 'submit' for the master spark-submit gives. "
          + "Needs the nnet-spark jar (spark/target/nnet-spark.jar, with Spark on the classpath, as spark-submit provides)")
  String sparkMaster;

  @Option(names = "--data-from", paramLabel = "WHERE",
      description = "with --spark, how executors get the training data: broadcast (the driver reads it and sends it), paths (each reads the "
          + "file's paths: a shared folder), or a Hadoop FileSystem folder such as hdfs://namenode/datasets/iris (each copies the data block's "
          + "training files from there, by their paths relative to the block's folder). Default: broadcast when the driver can read it and it "
          + "holds at most 512 MB, else paths")
  String dataFrom;

  @Option(names = "--resume", description = "continue an interrupted search: the trials FILE.search.jsonl holds are kept, not run again")
  boolean resume;

  @Mixin
  JsonOption output;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
    SourceFile src = common.source();
    Search search = new Search(src, common.compiler());
    SearchSpec.Strategy st = search.spec().strategy();
    String base = common.file.getFileName().toString().replaceFirst("\\.nnet$", "");
    Path dir = common.file.toAbsolutePath().getParent();
    Path jsonl = dir.resolve(base + ".search.jsonl"), best = dir.resolve(base + ".best.nnet"), png = dir.resolve(base + ".search.png"),
        html = dir.resolve(base + ".search.html");
    List<Map<String, Double>> plan = search.plan(trials);
    Map<Integer, Search.Trial> done = new LinkedHashMap<>();
    if (resume && Files.exists(jsonl)) {
      done = read(jsonl, plan);
      // keep only the complete records: a line cut short by the interruption is dropped, its trial runs again
      StringBuilder kept = new StringBuilder();
      for (Search.Trial t : done.values()) kept.append(json(t, st.metric())).append('\n');
      AtomicFile.writeString(jsonl, "the search log", kept.toString());
    } else if (Files.exists(jsonl)) {
      Files.delete(jsonl);
    }
    int k = parallel > 0 ? parallel : st.parallel() > 0 ? st.parallel() : Runtime.getRuntime().availableProcessors();
    if (dataFrom != null && sparkMaster == null) {
      throw new NnetException("--data-from says how a Spark cluster's executors get the data: it needs --spark", "add --spark MASTER, or drop --data-from");
    }
    Search.Runner cluster = sparkMaster == null ? null : spark(sparkMaster, src.baseName(), dataFrom, search); // before any output: a missing Spark is said first
    List<String> names = new ArrayList<>();
    for (SearchSpec.Param p : search.spec().params()) names.add(p.name());
    if (!output.json) {
      err.printf(Locale.ROOT, "searching %s: %s, %d trials (%d done), %d at a time, %s %s%n", src.name(), st.kind(), plan.size(), done.size(), k,
          st.maximize() ? "maximizing" : "minimizing", st.metric());
      if (cluster != null && !cluster.description().isEmpty()) err.println("spark: " + cluster.description());
      StringBuilder h = new StringBuilder(String.format(Locale.ROOT, "%5s", "trial"));
      for (String n : names) h.append(String.format(Locale.ROOT, "  %12s", n));
      out.println(h.append(String.format(Locale.ROOT, "  %12s  %6s  %8s", st.metric(), "epochs", "time")));
    }
    long started = System.nanoTime();
    List<Search.Trial> finished = new ArrayList<>(done.values());
    String command = "nnet search " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    Consumer<Search.Trial> report = t -> {
      finished.add(t);
      AtomicFile.writeString(html, "the search page", page(search, src, finished, plan.size(), true, command));
      String line = json(t, st.metric());
      try {
        Files.writeString(jsonl, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new NnetException("cannot append to " + jsonl + " (" + e.getMessage() + ")", "check that the folder is writable");
      }
      if (output.json) out.println(line);
      else out.println(row(t, names));
      out.flush();
    };
    List<Search.Trial> all;
    if (cluster == null) {
      all = search.run(plan, done, k, report);
    } else {
      try (Search.Runner r = cluster) {
        all = search.run(plan, done, k, report, r);
      }
    }
    Search.Trial top = search.best(all);
    long compile = 0, fresh = 0;
    int classes = 0, shared = 0, trials = 0;
    for (Search.Trial t : all) {
      if (t == null) continue;
      trials++;
      compile += t.compileMillis();
      if (t.newClass()) {
        classes++;
        fresh += t.compileMillis();
      } else if (t.ok()) {
        shared++;
      }
    }
    if (top == null) throw new NnetException("no trial finished", "see the trials' errors above");
    AtomicFile.writeString(best, "the best file", search.bestFile(top));
    plot(all, search, png);
    AtomicFile.writeString(html, "the search page", page(search, src, all, plan.size(), false, command));
    if (!output.json) {
      out.printf(Locale.ROOT, "best: trial %d, %s %.4f with %s%n", top.number(), st.metric(), top.metric(), values(top.values(), search.spec()));
      out.printf(Locale.ROOT, "wrote %s, %s, %s, %s (%.1f s, of which compiling %.1f s)%n", best, jsonl, png, html, (System.nanoTime() - started) * 1e-9, compile / 1000.0);
      out.println(compileSummary(classes, shared, trials, fresh, compile));
    }
    out.flush();
    return 0;
  }

  /**
   * How many classes the trials compiled and how many trials reused one (they changed only values the class takes
   * as constructor arguments), with the time saved estimated from the compilations' mean.
   */
  static String compileSummary(int classes, int shared, int trials, long freshMillis, long allMillis) {
    String s = String.format(Locale.ROOT, "compiled %d trainer class%s for %d trials", classes, classes == 1 ? "" : "es", trials);
    if (shared == 0) return s;
    double mean = classes == 0 ? 0 : freshMillis / (double) classes;
    double saved = Math.max(0, shared * mean - (allMillis - freshMillis));
    return s + String.format(Locale.ROOT, "; %d reused an earlier trial's (they changed no shape), saving about %.1f s of compiling", shared, saved / 1000.0);
  }

  /** The search as an HTML page (the training report's kind): charts of the metric against each hyperparameter, and every trial. */
  private static String page(Search search, SourceFile src, List<Search.Trial> trials, int planned, boolean running, String command) {
    SearchSpec.Strategy st = search.spec().strategy();
    List<dev.nnet.report.SearchReport.Param> params = new ArrayList<>();
    for (SearchSpec.Param p : search.spec().params()) params.add(new dev.nnet.report.SearchReport.Param(p.name(), p.domain().describe(), p.domain().log()));
    List<dev.nnet.report.SearchReport.Trial> ts = new ArrayList<>();
    for (Search.Trial t : trials) {
      if (t != null) ts.add(new dev.nnet.report.SearchReport.Trial(t.number(), t.values(), t.metric(), t.epochs(), t.seconds(), t.pruned(), t.error()));
    }
    String strategy = st.kind() + "(trials: " + planned + ", metric: " + st.metric() + (st.prune() ? ", prune: " + st.pruner() + (st.pruner().equals("halving") ? ", reduction: " + st.reduction() : "") : "") + ", seed: " + st.seed() + ")";
    return dev.nnet.report.SearchReport.render(new dev.nnet.report.SearchReport.Search(src.baseName(), src.name(), strategy, st.metric(), st.maximize(),
        planned, params, ts, running, command));
  }

  /** The Spark runner of the nnet-spark jar, found by name: the core CLI does not carry Spark. */
  private static Search.Runner spark(String master, String app, String dataFrom, Search search) {
    try {
      return (Search.Runner) Class.forName("dev.nnet.spark.SparkRunner").getConstructor(String.class, String.class, String.class, Search.class)
          .newInstance(master, "nnet search " + app, dataFrom, search);
    } catch (ClassNotFoundException | NoClassDefFoundError e) {
      throw new NnetException("this nnet has no Spark runner (" + e.getMessage() + ")",
          "use the nnet-spark jar with Spark on the classpath:  spark-submit --master MASTER spark/target/nnet-spark.jar search FILE --spark submit");
    } catch (ReflectiveOperationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof NnetException ne) throw ne; // the data or an option: said as it is
      if (cause instanceof dev.nnet.syntax.CompileException ce) throw ce;
      throw new NnetException("Spark could not start (" + cause + ")", "check the master address and that Spark's version matches (4.0, Scala 2.13)");
    }
  }

  private static String values(Map<String, Double> v, SearchSpec spec) {
    StringBuilder b = new StringBuilder();
    for (SearchSpec.Param p : spec.params()) b.append(b.length() > 0 ? ", " : "").append(p.name()).append(" = ").append(SearchSpec.literal(v.get(p.name()), p.domain().integer()));
    return b.toString();
  }

  private static String row(Search.Trial t, List<String> names) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%5d", t.number()));
    for (String n : names) b.append(String.format(Locale.ROOT, "  %12.5g", t.values().get(n)));
    if (!t.ok()) return b.append("  failed: ").append(t.error()).toString();
    return b.append(String.format(Locale.ROOT, "  %12.4f  %6d  %7.1fs%s", t.metric(), t.epochs(), t.seconds(), t.pruned() ? "  pruned" : "")).toString();
  }

  static String json(Search.Trial t, String metric) {
    StringBuilder b = new StringBuilder("{\"trial\":").append(t.number()).append(",\"values\":{");
    int i = 0;
    for (Map.Entry<String, Double> e : t.values().entrySet()) b.append(i++ > 0 ? "," : "").append('"').append(e.getKey()).append("\":").append(Progress.num(e.getValue()));
    b.append("},\"metric\":\"").append(metric).append("\",\"value\":").append(Progress.num(t.metric())).append(",\"epochs\":").append(t.epochs())
        .append(String.format(Locale.ROOT, ",\"seconds\":%.3f,\"compile_ms\":%d,\"new_class\":%b", t.seconds(), t.compileMillis(), t.newClass()));
    b.append(",\"pruned\":").append(t.pruned()).append(",\"curve\":[");
    for (int e = 0; e < t.curve().length; e++) b.append(e > 0 ? "," : "").append(Progress.num(t.curve()[e]));
    b.append(']');
    if (!t.ok()) b.append(",\"error\":\"").append(t.error().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ")).append('"');
    return b.append('}').toString();
  }

  private static final Pattern LINE = Pattern.compile("\\{\"trial\":(\\d+),\"values\":\\{([^}]*)\\},\"metric\":\"[a-z_]+\",\"value\":([^,]+),\"epochs\":(\\d+),\"seconds\":([0-9.]+),\"compile_ms\":(\\d+)(?:,\"new_class\":(true|false))?,\"pruned\":(true|false),\"curve\":\\[([^\\]]*)\\](,\"error\":\"(.*)\")?\\}");

  /** The finished trials of an earlier run, each checked against this run's plan (same values), by number. */
  private static Map<Integer, Search.Trial> read(Path jsonl, List<Map<String, Double>> plan) throws IOException {
    Map<Integer, Search.Trial> done = new LinkedHashMap<>();
    int n = 0;
    for (String line : Files.readAllLines(jsonl)) {
      n++;
      if (line.isBlank()) continue;
      Matcher m = LINE.matcher(line.strip());
      if (!m.matches()) continue; // a line cut short by the interruption: that trial runs again
      int number = Integer.parseInt(m.group(1));
      Map<String, Double> values = new LinkedHashMap<>();
      for (String kv : m.group(2).split(",")) {
        String[] p = kv.split(":");
        values.put(p[0].replace("\"", ""), Double.parseDouble(p[1]));
      }
      if (number < 1 || number > plan.size() || plan.get(number - 1) != null && !close(values, plan.get(number - 1))) {
        throw new NnetException(jsonl + ":" + n + ": trial " + number + " does not match this search (another file, seed or strategy?)",
            "resume only the search that wrote it, or start afresh without --resume");
      }
      double value = m.group(3).equals("null") ? Double.NaN : Double.parseDouble(m.group(3));
      String[] cells = m.group(9).isEmpty() ? new String[0] : m.group(9).split(",");
      double[] curve = new double[cells.length];
      for (int i = 0; i < cells.length; i++) curve[i] = cells[i].equals("null") ? Double.NaN : Double.parseDouble(cells[i]);
      // (a TPE trial's values come from the file: they were suggested from the trials before it)
      done.put(number, new Search.Trial(number, plan.get(number - 1) != null ? plan.get(number - 1) : values, value, Integer.parseInt(m.group(4)), Double.parseDouble(m.group(5)),
          Long.parseLong(m.group(6)), m.group(11), curve, Boolean.parseBoolean(m.group(8)), !"false".equals(m.group(7))));
    }
    return done;
  }

  private static boolean close(Map<String, Double> a, Map<String, Double> b) {
    if (!a.keySet().equals(b.keySet())) return false;
    for (String k : a.keySet()) if (Math.abs(a.get(k) - b.get(k)) > 1e-9 * Math.max(1, Math.abs(b.get(k)))) return false;
    return true;
  }

  /** The metric against each hyperparameter (log axes for log domains), and the best so far against the trial number, side by side. */
  private static void plot(List<Search.Trial> trials, Search search, Path png) {
    System.setProperty("java.awt.headless", "true");
    SearchSpec.Strategy st = search.spec().strategy();
    NumberAxis metric = new NumberAxis(st.metric());
    metric.setAutoRangeIncludesZero(false);
    CombinedRangeXYPlot plot = new CombinedRangeXYPlot(metric);
    for (SearchSpec.Param p : search.spec().params()) {
      XYSeries s = new XYSeries(p.name(), false, true);
      for (Search.Trial t : trials) if (t.ok() && !Double.isNaN(t.metric())) s.add(t.values().get(p.name()).doubleValue(), t.metric());
      NumberAxis x = p.domain().log() ? new LogarithmicAxis(p.name()) : new NumberAxis(p.name());
      x.setAutoRangeIncludesZero(false);
      XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
      r.setSeriesPaint(0, new Color(0x1f77b4));
      plot.add(new XYPlot(new XYSeriesCollection(s), x, null, r));
    }
    XYSeries running = new XYSeries("best so far");
    double bestSoFar = Double.NaN;
    for (Search.Trial t : trials) {
      if (t.ok() && !Double.isNaN(t.metric()) && (Double.isNaN(bestSoFar) || (st.maximize() ? t.metric() > bestSoFar : t.metric() < bestSoFar))) bestSoFar = t.metric();
      if (!Double.isNaN(bestSoFar)) running.add(t.number(), bestSoFar);
    }
    XYLineAndShapeRenderer line = new XYLineAndShapeRenderer(true, false);
    line.setSeriesPaint(0, new Color(0xd62728));
    line.setSeriesStroke(0, new BasicStroke(2f));
    plot.add(new XYPlot(new XYSeriesCollection(running), new NumberAxis("trial"), null, line));
    for (Object o : plot.getSubplots()) {
      XYPlot sp = (XYPlot) o;
      sp.setBackgroundPaint(Color.WHITE);
      sp.setDomainGridlinePaint(Color.LIGHT_GRAY);
      sp.setRangeGridlinePaint(Color.LIGHT_GRAY);
    }
    JFreeChart chart = new JFreeChart(st.kind() + " search: " + st.metric() + " of each trial", JFreeChart.DEFAULT_TITLE_FONT, plot, false);
    chart.setBackgroundPaint(Color.WHITE);
    int width = 320 * (search.spec().params().size() + 1);
    AtomicFile.write(png, "the plot", tmp -> {
      try (java.io.OutputStream o = new java.io.BufferedOutputStream(Files.newOutputStream(tmp))) {
        ChartUtils.writeChartAsPNG(o, chart, width, 420);
      }
    });
  }
}

import dev.nnet.NnetCompiler;
import dev.nnet.search.Search;
import dev.nnet.syntax.SourceFile;
import java.awt.BasicStroke;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Random search against Bayesian (TPE) search with the same budget, repeated over several search seeds: the
 * mean best-so-far metric after each trial, printed and drawn. The file's own search line is replaced by
 * "search random(...)" and "search bayesian(...)" with the same trials, metric and seed.
 *
 * Run from the repository (after the build):
 *   java --add-modules jdk.incubator.vector -cp cli/target/nnet.jar bench/SearchComparison.java samples/wine-search.nnet 30 5 docs/images/wine-search.png
 */
public class SearchComparison {
  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    int trials = Integer.parseInt(args[1]), seeds = Integer.parseInt(args[2]);
    Path png = Path.of(args[3]);
    String text = Files.readString(file);
    String line = text.lines().filter(l -> l.startsWith("search ")).findFirst().orElseThrow();
    XYSeriesCollection curves = new XYSeriesCollection();
    for (String strategy : new String[] {"random", "bayesian"}) {
      double[] mean = new double[trials];
      double finals = 0, finals2 = 0;
      for (int seed = 1; seed <= seeds; seed++) {
        String search = "search " + strategy + "(trials: " + trials + ", startup: 8, metric: val_loss, seed: " + seed + ")";
        SourceFile src = new SourceFile(file.toString(), text.replace(line, search), file.toAbsolutePath().getParent());
        Search s = new Search(src, NnetCompiler.defaults());
        List<Search.Trial> done = s.run(s.plan(0), java.util.Map.of(), 2, t -> {});
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < trials; i++) {
          Search.Trial t = done.get(i);
          if (t.ok() && !Double.isNaN(t.metric())) best = Math.min(best, t.metric());
          mean[i] += best / seeds;
        }
        finals += best;
        finals2 += best * best;
        System.out.printf(Locale.ROOT, "%-8s seed %d: best val_loss %.4f%n", strategy, seed, best);
      }
      double m = finals / seeds, sd = Math.sqrt(Math.max(0, finals2 / seeds - m * m));
      System.out.printf(Locale.ROOT, "%-8s mean best after %d trials: %.4f ± %.4f; after 10: %.4f, 20: %.4f%n", strategy, trials, m, sd,
          mean[Math.min(9, trials - 1)], mean[Math.min(19, trials - 1)]);
      XYSeries c = new XYSeries(strategy);
      for (int i = 0; i < trials; i++) c.add(i + 1, mean[i]);
      curves.addSeries(c);
    }
    System.setProperty("java.awt.headless", "true");
    JFreeChart chart = ChartFactory.createXYLineChart(file.getFileName() + ": mean best-so-far over " + seeds + " search seeds", "trial",
        "best cross-validated val_loss so far", curves, PlotOrientation.VERTICAL, true, false, false);
    XYPlot p = chart.getXYPlot();
    p.setBackgroundPaint(Color.WHITE);
    p.setDomainGridlinePaint(Color.LIGHT_GRAY);
    p.setRangeGridlinePaint(Color.LIGHT_GRAY);
    p.getRenderer().setSeriesPaint(0, new Color(0x1f77b4));
    p.getRenderer().setSeriesPaint(1, new Color(0xd62728));
    p.getRenderer().setSeriesStroke(0, new BasicStroke(2f));
    p.getRenderer().setSeriesStroke(1, new BasicStroke(2f));
    org.jfree.chart.axis.LogarithmicAxis y = new org.jfree.chart.axis.LogarithmicAxis("best cross-validated val_loss so far (log scale)");
    y.setExpTickLabelsFlag(false);
    p.setRangeAxis(y); // the first trials' large losses would flatten the rest
    ChartUtils.saveChartAsPNG(png.toFile(), chart, 800, 450);
    System.out.println("plot: " + png);
  }
}

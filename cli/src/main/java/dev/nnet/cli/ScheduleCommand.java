package dev.nnet.cli;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.DataLoader;
import dev.nnet.runtime.NetworkSpec;
import dev.nnet.runtime.NnetException;
import dev.nnet.runtime.Schedule;
import dev.nnet.runtime.TrainingPlan;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "schedule", header = "Print (and plot) the learning rate of every epoch.", description = "Prints the learning rate the file's schedule gives each epoch (the rate of the epoch's first step), and with --plot draws it for every step. A plateau schedule depends on validation metrics; it is shown as if they never stopped improving.")
final class ScheduleCommand implements Callable<Integer> {
  @Mixin
  Common common;

  @Option(names = "--plot", paramLabel = "PNG", description = "draw the rate of every step into this PNG file")
  Path plot;

  Integer epochs;

  Integer stepsPerEpoch;

  @Option(names = "--epochs", paramLabel = "N", description = "show this many epochs instead of the file's")
  void epochs(int n) {
    epochs = Options.atLeastOne(spec, "--epochs", n);
  }

  @Option(names = "--steps-per-epoch", paramLabel = "N", description = "steps per epoch (default: from the file's data, or 100 when it is not available)")
  void stepsPerEpoch(int n) {
    stepsPerEpoch = Options.atLeastOne(spec, "--steps-per-epoch", n);
  }

  @Option(names = "--log", description = "plot the rate on a logarithmic axis")
  boolean log;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
    NnetCompiler.Compiled c = common.compile(err);
    NetworkSpec ns = c.spec();
    TrainingPlan plan = ns.plan();
    int n = epochs != null ? epochs : plan.epochs();
    int steps = stepsPerEpoch != null ? stepsPerEpoch : stepsFromData(ns, c, err);
    Schedule schedule = new Schedule(plan.schedule(), plan.learningRate(), steps, n);
    out.printf("%s: %s, %d steps per epoch%n", ns.modelName(), plan.optimizer(), steps);
    out.println("epoch  learning rate");
    XYSeries series = new XYSeries("learning rate");
    for (int e = 0; e < n; e++) {
      out.printf(Locale.ROOT, "%5d  %.6g%n", e + 1, schedule.rate((long) e * steps));
      for (int s = 0; s < steps; s++) series.add(e + (double) s / steps, schedule.rate((long) e * steps + s));
      schedule.endEpoch(Map.of());
    }
    if (plot != null) {
      draw(series, ns.modelName() + ": " + describe(plan), plot);
      out.println("plot: " + plot);
    }
    out.flush();
    return 0;
  }

  private static int stepsFromData(NetworkSpec ns, NnetCompiler.Compiled c, PrintWriter err) {
    try {
      return Math.max(1, c.data().train().rows() / ns.batchSize());
    } catch (NnetException e) {
      err.println("note: the file's data is not available (" + e.getMessage() + "); assuming 100 steps per epoch");
      return 100;
    }
  }

  private static String describe(TrainingPlan plan) {
    StringBuilder sb = new StringBuilder();
    for (TrainingPlan.Stage s : plan.schedule()) sb.append(sb.length() > 0 ? " then " : "").append(s.kind());
    return sb.length() == 0 ? "constant" : sb.toString();
  }

  private void draw(XYSeries series, String title, Path file) throws IOException {
    System.setProperty("java.awt.headless", "true");
    JFreeChart chart = ChartFactory.createXYLineChart(title, "epoch", "learning rate", new XYSeriesCollection(series),
        PlotOrientation.VERTICAL, false, false, false);
    XYPlot p = chart.getXYPlot();
    p.setBackgroundPaint(Color.WHITE);
    p.setDomainGridlinePaint(Color.LIGHT_GRAY);
    p.setRangeGridlinePaint(Color.LIGHT_GRAY);
    p.getRenderer().setSeriesPaint(0, new Color(0x1f77b4));
    p.getRenderer().setSeriesStroke(0, new BasicStroke(2f));
    if (log) p.setRangeAxis(new LogAxis("learning rate"));
    dev.nnet.runtime.AtomicFile.write(file, "the plot", tmp -> {
      try (java.io.OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp))) {
        ChartUtils.writeChartAsPNG(out, chart, 900, 500);
      } catch (RuntimeException e) { // ImageIO reports some failed writes (a full disk) as a NullPointerException
        throw new java.io.IOException("the image could not be written: " + e, e);
      }
    });
  }
}

package dev.nnet.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/** Line charts drawn by JFreeChart into inline SVG (JFreeSVG): sharp at any zoom, a few kB each, no files beside the page. */
final class Charts {
  private Charts() {}

  static final int WIDTH = 620, HEIGHT = 300;
  static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
      new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)};

  /** One line: its name, points, and whether it is drawn faint (many noisy points behind the epoch curves). */
  record Line(String name, List<double[]> points, boolean faint, boolean dots) {
    static Line of(String name, boolean faint, boolean dots) {
      return new Line(name, new ArrayList<>(), faint, dots);
    }

    Line add(double x, double y) {
      if (Double.isFinite(x) && Double.isFinite(y)) points.add(new double[] {x, y});
      return this;
    }
  }

  /** A vertical line across the chart at {@code at} on the x axis, labelled. */
  record Mark(double at, String label, Color color) {}

  private static int counter;

  /** Numbers the next page's charts from 1 again (their SVG ids), so a page is the same text each time it is drawn. */
  static synchronized void restartNumbering() {
    counter = 0;
  }

  private static String twoDecimals(double v) {
    long r = Math.round(v * 100);
    return r % 100 == 0 ? Long.toString(r / 100) : Double.toString(r / 100.0);
  }

  /**
   * The chart as an {@code <svg>} element, or null when no line has a point. {@code log}: a logarithmic y axis
   * (used only when every value is positive).
   */
  static String svg(String title, String xLabel, String yLabel, List<Line> lines, List<Mark> marks, boolean log) {
    return svg(title, xLabel, yLabel, lines, marks, log, false, false);
  }

  /** {@code logX}: a logarithmic x axis (a log-scale hyperparameter); {@code scatter}: points, no lines. */
  static synchronized String svg(String title, String xLabel, String yLabel, List<Line> lines, List<Mark> marks, boolean log, boolean logX, boolean scatter) {
    XYSeriesCollection data = new XYSeriesCollection();
    List<Line> drawn = new ArrayList<>();
    boolean positive = true;
    for (Line l : lines) {
      if (l.points().isEmpty()) continue;
      XYSeries s = new XYSeries(l.name(), false, true);
      for (double[] p : l.points()) {
        s.add(p[0], p[1]);
        positive &= p[1] > 0;
      }
      data.addSeries(s);
      drawn.add(l);
    }
    if (drawn.isEmpty()) return null;
    NumberAxis x;
    if (logX) {
      org.jfree.chart.axis.LogarithmicAxis lx = new org.jfree.chart.axis.LogarithmicAxis(xLabel);
      lx.setStrictValuesFlag(false);
      lx.setExpTickLabelsFlag(false);
      x = lx;
    } else {
      x = new NumberAxis(xLabel);
    }
    x.setAutoRangeIncludesZero(false);
    if (!logX) {
      x.setStandardTickUnits(NumberAxis.createStandardTickUnits());
      x.setAutoRangeMinimumSize(scatter ? 1e-9 : 1);
    }
    double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
    for (Line l : drawn) {
      for (double[] p : l.points()) {
        lo = Math.min(lo, p[1]);
        hi = Math.max(hi, p[1]);
      }
    }
    NumberAxis y;
    if (log && positive && hi / lo > 20) { // a log axis only where values span decades
      org.jfree.chart.axis.LogarithmicAxis logAxis = new org.jfree.chart.axis.LogarithmicAxis(yLabel);
      logAxis.setStrictValuesFlag(false);
      logAxis.setExpTickLabelsFlag(false);
      y = logAxis;
    } else {
      y = new NumberAxis(yLabel);
      y.setAutoRangeIncludesZero(false);
      y.setStandardTickUnits(NumberAxis.createStandardTickUnits());
      y.setAutoRangeMinimumSize(Math.max(1e-9, Math.abs(hi) * 0.02)); // a constant line gets a readable axis
    }
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(!scatter, scatter);
    r.setDrawSeriesLineAsPath(true); // one SVG path per line, not an element per segment
    int colour = 0;
    for (int i = 0; i < drawn.size(); i++) {
      Line l = drawn.get(i);
      Color c = l.faint() ? new Color(0xb0c4de) : PALETTE[colour++ % PALETTE.length];
      r.setSeriesPaint(i, c);
      r.setSeriesStroke(i, new BasicStroke(l.faint() ? 1f : 2f));
      r.setSeriesShapesVisible(i, scatter || l.dots() && l.points().size() <= 60);
    }
    XYPlot plot = new XYPlot(data, x, y, r);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xdddddd));
    plot.setRangeGridlinePaint(new Color(0xdddddd));
    for (Mark m : marks) {
      ValueMarker v = new ValueMarker(m.at(), m.color(), new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {5f, 4f}, 0f));
      if (m.label() != null) v.setLabel(m.label());
      v.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
      v.setLabelPaint(m.color().darker());
      v.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
      v.setLabelTextAnchor(TextAnchor.TOP_LEFT);
      plot.addDomainMarker(v);
    }
    JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 14), plot, drawn.size() > 1);
    chart.setBackgroundPaint(Color.WHITE);
    chart.setAntiAlias(true);
    SVGGraphics2D g = new SVGGraphics2D(WIDTH, HEIGHT);
    g.setGeomDoubleConverter(Charts::twoDecimals); // a hundredth of a pixel is plenty, and halves the file
    g.setDefsKeyPrefix("c" + (++counter) + "_"); // many charts share one page: their clip paths must not collide
    chart.draw(g, new Rectangle(0, 0, WIDTH, HEIGHT));
    return g.getSVGElement();
  }
}

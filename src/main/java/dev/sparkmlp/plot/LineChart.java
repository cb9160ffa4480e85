package dev.sparkmlp.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A line chart of named (x, y) series, drawn with XChart and rendered off screen, so it needs no
 * display. Build it, then take the {@link #image}, the {@link #png} bytes, or {@link #write} it:
 *
 * <pre>
 * new LineChart("mnist", "epoch", "loss").logY(true)
 *     .add("train", epochs, trainLoss)
 *     .add("validation", epochs, valLoss, new LineChart.Style(LineChart.color(1), true, true))
 *     .write("runs/mnist/loss.png");
 * </pre>
 *
 * <p>Points whose x or y is not finite, and points with y ≤ 0 on a log axis, are left out, so a
 * missing metric (NaN) draws as a gap instead of failing the chart; a series with no point left is
 * not drawn at all. A series of at most {@value #MARKER_LIMIT} points gets a dot on every point, so
 * that each epoch of a short run is visible.
 */
public final class LineChart {
  public static final int WIDTH = 800;
  public static final int HEIGHT = 500;
  static final int MARKER_LIMIT = 30;

  static {
    // Rendering happens off screen; without this a JVM that sees a DISPLAY it cannot open fails.
    if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
  }

  /** The tab10 palette: distinct on screen and in grey print, in this order. */
  private static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
    new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)
  };
  private static final BasicStroke SOLID = new BasicStroke(2f);
  private static final BasicStroke DASHED =
      new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f);

  /**
   * How a series is drawn.
   *
   * @param inLegend false to leave the series out of the legend, for example a validation curve
   *     dashed in its run's colour whose meaning the axis title explains
   */
  public record Style(Color color, boolean dashed, boolean inLegend) {
    public Style {
      if (color == null) throw new IllegalArgumentException("a series style needs a colour");
    }
  }

  private record Series(String name, double[] x, double[] y, Style style) {}

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<Series> series = new ArrayList<>();
  private final Set<String> names = new HashSet<>();
  private int width = WIDTH;
  private int height = HEIGHT;
  private boolean logY;
  private boolean integerX;

  public LineChart(String title, String xLabel, String yLabel) {
    this.title = title == null ? "" : title;
    this.xLabel = xLabel == null ? "" : xLabel;
    this.yLabel = yLabel == null ? "" : yLabel;
  }

  /** Colour {@code i} of the palette, cycling after ten. */
  public static Color color(int i) {
    return PALETTE[Math.floorMod(i, PALETTE.length)];
  }

  /** The image size in pixels; default {@value #WIDTH} x {@value #HEIGHT}. */
  public LineChart size(int width, int height) {
    if (width < 100 || height < 100) {
      throw new IllegalArgumentException("chart size must be at least 100x100 pixels, got " + width + "x" + height);
    }
    this.width = width;
    this.height = height;
    return this;
  }

  /** A logarithmic y axis; points with y ≤ 0 are then left out. */
  public LineChart logY(boolean on) {
    logY = on;
    return this;
  }

  /** Labels only the whole-number ticks of the x axis, as epochs or steps need. */
  public LineChart integerX(boolean on) {
    integerX = on;
    return this;
  }

  /** Adds a solid series in the next palette colour, shown in the legend. */
  public LineChart add(String name, double[] x, double[] y) {
    return add(name, x, y, new Style(color(series.size()), false, true));
  }

  /**
   * Adds a series. The arrays are copied.
   *
   * @throws IllegalArgumentException if the name is already used in this chart or x and y differ
   *     in length
   */
  public LineChart add(String name, double[] x, double[] y, Style style) {
    if (name == null || name.isBlank()) throw new IllegalArgumentException("a series needs a name");
    if (x.length != y.length) {
      throw new IllegalArgumentException("series " + name + ": " + x.length + " x values but " + y.length + " y values");
    }
    if (!names.add(name)) throw new IllegalArgumentException("series " + name + " is added twice to chart '" + title + "'");
    series.add(new Series(name, x.clone(), y.clone(), style));
    return this;
  }

  /** The chart drawn on a white {@code width x height} RGB image. */
  public BufferedImage image() {
    return BitmapEncoder.getBufferedImage(chart());
  }

  /** The chart as PNG bytes. */
  public byte[] png() {
    return Png.encode(image());
  }

  /** Writes the chart as a PNG file, atomically (see {@link Png#write}). */
  public void write(String path) {
    Png.write(path, png());
  }

  /** The XChart chart, built afresh; package-private for tests. */
  XYChart chart() {
    XYChart c = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel)
        .build();
    XYStyler s = c.getStyler();
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBorderVisible(true);
    s.setChartTitleBoxVisible(false);
    s.setLegendBorderColor(Color.LIGHT_GRAY);
    s.setMarkerSize(5);
    s.setYAxisLogarithmic(logY);
    s.setAntiAlias(true);
    // XChart labels an axis with a formatting function by a linear tick calculator, whatever the
    // scale: on a log axis the labels would then not match the positions. Its own log ticks are
    // decades, which need no shortening.
    if (!logY) s.setyAxisTickLabelsFormattingFunction(LineChart::tick);
    int inLegend = 0;
    for (Series v : series) {
      if (addPoints(c, v) && v.style.inLegend()) inLegend++;
    }
    s.setLegendVisible(inLegend > 0);
    // A row below the plot reads best; past three entries it would run off a narrow image.
    s.setLegendPosition(inLegend <= 3 ? Styler.LegendPosition.OutsideS : Styler.LegendPosition.OutsideE);
    s.setLegendLayout(inLegend <= 3 ? Styler.LegendLayout.Horizontal : Styler.LegendLayout.Vertical);
    if (integerX) {
      s.setxAxisTickLabelsFormattingFunction(v -> v == Math.rint(v) ? String.valueOf(Math.round(v)) : "");
      pinSinglePoint(c);
    }
    return c;
  }

  /**
   * A y tick label with at most five significant digits. XChart labels the ticks of an axis with
   * one or two distinct values at the values themselves, in all seventeen digits of the double.
   */
  static String tick(double v) {
    if (v == 0 || !Double.isFinite(v)) return v == 0 ? "0" : String.valueOf(v);
    BigDecimal d = new BigDecimal(v).round(new MathContext(5)).stripTrailingZeros();
    double a = Math.abs(v);
    return a >= 1e-4 && a < 1e7 ? d.toPlainString() : d.toString();
  }

  /** Adds the drawable points of {@code v}; false if none is left. */
  private boolean addPoints(XYChart c, Series v) {
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (int i = 0; i < v.x.length; i++) {
      if (!Double.isFinite(v.x[i]) || !Double.isFinite(v.y[i]) || (logY && v.y[i] <= 0)) continue;
      xs.add(v.x[i]);
      ys.add(v.y[i]);
    }
    if (xs.isEmpty()) return false;
    XYSeries s = c.addSeries(v.name, xs, ys);
    s.setLineColor(v.style.color());
    s.setMarkerColor(v.style.color());
    s.setLineStyle(v.style.dashed() ? DASHED : SOLID);
    s.setMarker(xs.size() <= MARKER_LIMIT ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    s.setShowInLegend(v.style.inLegend());
    return true;
  }

  /** With one x value only, XChart spreads the axis over fractions; show it as x-1 .. x+1 instead. */
  private static void pinSinglePoint(XYChart c) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (XYSeries s : c.getSeriesMap().values()) {
      for (double x : s.getXData()) {
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
    }
    if (lo == hi) {
      c.getStyler().setXAxisMin(lo - 1);
      c.getStyler().setXAxisMax(hi + 1);
    }
  }
}

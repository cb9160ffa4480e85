package dev.sparkmlp.study;

import dev.sparkmlp.io.Fs;
import dev.sparkmlp.plot.LineChart;
import dev.sparkmlp.plot.Png;
import dev.sparkmlp.study.AblationPlan.Phase;
import java.awt.BasicStroke;
import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's PNG figures, each {@link LineChart#WIDTH} x {@link LineChart#HEIGHT}, for {@code
 * <output>/figures/}. Curves are means over seeds, drawn with the shared {@link LineChart}; an
 * optimizer keeps its colour in every figure, and U[-1,1] is drawn dashed where both
 * initialisations share a chart. Two figures need what a line chart does not offer and use XChart
 * directly: the gap bars (error bars) and the learning-rate sweep (a logarithmic x axis).
 */
final class AblationFigures {
  static final int WIDTH = LineChart.WIDTH;
  static final int HEIGHT = LineChart.HEIGHT;
  private static final Map<String, Color> COLORS =
      Map.of(
          "sgd", LineChart.color(0),
          "momentum", LineChart.color(1),
          "rmsprop", LineChart.color(2),
          "adam", LineChart.color(3),
          "adamw", LineChart.color(4));

  /** A written figure: its file name under figures/ and what it shows. */
  record Figure(String file, String caption) {}

  private AblationFigures() {}

  /** The initialisation the gap and curve comparisons use: He uniform when it is in the grid. */
  static String workingInit(AblationPlan plan) {
    return plan.inits().contains("he_uniform")
        ? "he_uniform"
        : plan.inits().get(plan.inits().size() - 1);
  }

  /** The smallest and the largest lambda of the grid (the paper's 0 and 3). */
  static List<Double> gapLambdas(AblationPlan plan) {
    double lo = plan.lambdas().stream().mapToDouble(Double::doubleValue).min().orElse(0);
    double hi = plan.lambdas().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    return lo == hi ? List.of(lo) : List.of(lo, hi);
  }

  /**
   * Writes every figure the results support into {@code dir} and returns them in report order,
   * named as the report links them (figures/...). The caller publishes dir atomically.
   */
  static List<Figure> write(String dir, String name, AblationPlan plan, List<AblationGroup> groups) {
    System.setProperty("java.awt.headless", "true");
    Writer w = new Writer(dir);
    for (String init : plan.inits()) {
      for (double l : plan.lambdas()) trainingCurves(w, name, plan, groups, init, l);
    }
    gapFigures(w, name, plan, groups);
    gradNormFigures(w, name, plan, groups);
    sweepFigure(w, name, plan, groups);
    fullFigure(w, name, plan, groups);
    smallFigure(w, name, plan, groups, Phase.SMALL);
    smallFigure(w, name, plan, groups, Phase.RANDOM);
    return w.out;
  }

  private static void trainingCurves(
      Writer w, String name, AblationPlan plan, List<AblationGroup> groups, String init, double l) {
    String suffix = init + "-l" + Fmt.num(l);
    String setting = Labels.init(init) + ", λ = " + Fmt.num(l);
    Lines cost = new Lines(name + ": training cost, " + setting, "epoch", "training cost (CCE + L2)");
    Lines acc = new Lines(name + ": training accuracy, " + setting, "epoch", "training accuracy");
    List<String> missing = new ArrayList<>();
    for (String o : plan.optimizers()) {
      AblationGroup g = AblationGroup.find(groups, Phase.GRID, o, init, l, 0);
      if (g == null) continue;
      if (g.curve(e -> e.train().acc()).length == 0) missing.add(Labels.optimizer(o));
      cost.curve(Labels.optimizer(o), g.curve(AblationResult.Epoch::trainCost), COLORS.get(o), false);
      acc.curve(Labels.optimizer(o), g.curve(e -> e.train().acc()), COLORS.get(o), false);
    }
    cost.logY = cost.spansDecades(2);
    String note =
        missing.isEmpty()
            ? ""
            : "; not drawn: " + String.join(", ", missing) + " (diverged in the first epoch)";
    w.save("train-cost-" + suffix + ".png", cost,
        "Training cost per epoch, " + setting + " (mean over seeds" + note + ")");
    w.save("train-accuracy-" + suffix + ".png", acc,
        "Training accuracy per epoch, " + setting + " (mean over seeds" + note + ")");
  }

  private static void gapFigures(
      Writer w, String name, AblationPlan plan, List<AblationGroup> groups) {
    String init = workingInit(plan);
    List<Double> ls = gapLambdas(plan);
    CategoryChart bars =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(name + ": final train − CV accuracy gap, " + Labels.init(init))
            .xAxisTitle("optimizer")
            .yAxisTitle("train − CV accuracy (percentage points)")
            .build();
    style(bars.getStyler());
    bars.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    bars.getStyler().setErrorBarsColor(Color.DARK_GRAY);
    Lines lines =
        new Lines(
            name + ": train − CV accuracy gap per epoch, " + Labels.init(init),
            "epoch",
            "train − CV accuracy (percentage points)");
    int k = 0;
    for (double l : ls) {
      List<String> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      List<Double> err = new ArrayList<>();
      boolean any = false;
      for (String o : plan.optimizers()) {
        AblationGroup g = AblationGroup.find(groups, Phase.GRID, o, init, l, 0);
        // Every series needs every category: XChart fails on bar series of unequal length, so a
        // setting without finished runs (or that diverged) is drawn as 0.
        Stat s = g == null ? Stat.of(List.of()) : g.gap();
        x.add(Labels.optimizer(o));
        y.add(s.isNaN() ? 0 : 100 * s.mean());
        err.add(s.isNaN() ? 0 : 100 * s.sd());
        if (g == null) continue;
        any = true;
        lines.curve(
            Labels.optimizer(o) + " λ=" + Fmt.num(l),
            scale(g.curve(e -> e.train().acc() - e.val().acc()), 100),
            COLORS.get(o),
            k > 0);
      }
      if (any) bars.addSeries("λ = " + Fmt.num(l), x, y, err).setFillColor(LineChart.color(k));
      k++;
    }
    w.save(
        "gap.png",
        bars,
        "Final train − CV accuracy gap per optimizer, "
            + Labels.init(init)
            + ", for λ = "
            + Fmt.nums(ls, " and ")
            + " (mean ± sd over seeds; a diverged setting is drawn at 0)");
    w.save(
        "gap-epochs.png",
        lines,
        "Train − CV accuracy gap per epoch, "
            + Labels.init(init)
            + "; solid λ = "
            + Fmt.num(ls.get(0))
            + (ls.size() > 1 ? ", dashed λ = " + Fmt.num(ls.get(1)) : ""));
  }

  private static void gradNormFigures(
      Writer w, String name, AblationPlan plan, List<AblationGroup> groups) {
    double l0 = gapLambdas(plan).get(0);
    Lines init =
        new Lines(
            name + ": gradient norm per layer at initialisation",
            "layer (1 = input side)",
            "‖mean gradient‖₂ of the first mini-batch");
    init.logY = true;
    Lines epochs =
        new Lines(
            name + ": gradient norm of layer 1 per epoch, λ = " + Fmt.num(l0),
            "epoch",
            "mean ‖gradient‖₂ of layer 1 over the epoch's steps");
    epochs.logY = true;
    int k = 0;
    for (String i : plan.inits()) {
      List<AblationResult> runs = new ArrayList<>();
      for (AblationGroup g : groups) {
        if (g.phase() == Phase.GRID && g.init().equals(i)) runs.addAll(g.runs());
      }
      if (runs.isEmpty()) continue;
      int layers = runs.get(0).initial().gradNorms().length;
      double[] y = new double[layers];
      for (int li = 0; li < layers; li++) {
        int l = li;
        y[li] = Stat.of(runs.stream().map(r -> r.initial().gradNorms()[l]).toList()).mean();
      }
      init.curve(Labels.init(i), y, LineChart.color(k++), false);
      for (String o : plan.optimizers()) {
        AblationGroup g = AblationGroup.find(groups, Phase.GRID, o, i, l0, 0);
        if (g == null) continue;
        epochs.curve(
            Labels.optimizer(o) + ", " + Labels.init(i),
            g.curve(e -> e.gradNorms()[0]),
            COLORS.get(o),
            i.equals("uniform"));
      }
    }
    w.save(
        "grad-norms-init.png",
        init,
        "Per-layer norm of the mean gradient of the first mini-batch at the initial weights (mean"
            + " over runs)");
    w.save(
        "grad-norms-epochs.png",
        epochs,
        "Mean gradient norm of the first layer per epoch, λ = "
            + Fmt.num(l0)
            + "; dashed: U[-1,1], solid: "
            + Labels.init(workingInit(plan))
            + "; a run that diverged ends early");
  }

  private static void sweepFigure(
      Writer w, String name, AblationPlan plan, List<AblationGroup> groups) {
    if (plan.sweepRates().isEmpty()) return;
    XYChart c =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(
                name
                    + ": learning-rate sweep (He uniform, λ = 0, "
                    + Fmt.epochs(plan.sweepEpochs())
                    + ")")
            .xAxisTitle("learning rate")
            .yAxisTitle("CV accuracy")
            .build();
    style(c.getStyler());
    c.getStyler().setMarkerSize(5);
    c.getStyler().setXAxisLogarithmic(true);
    for (String o : plan.optimizers()) {
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (AblationGroup g : groups) {
        if (g.phase() != Phase.SWEEP || !g.optimizer().equals(o)) continue;
        x.add(g.lr());
        Stat s = g.last(e -> e.val().acc());
        y.add(s.isNaN() ? 0.0 : s.mean());
      }
      if (x.isEmpty()) continue;
      XYSeries s = c.addSeries(Labels.optimizer(o), x, y);
      s.setLineColor(COLORS.get(o));
      s.setMarkerColor(COLORS.get(o));
      s.setLineStyle(new BasicStroke(2f));
      s.setMarker(SeriesMarkers.CIRCLE);
    }
    w.save(
        "lr-sweep.png",
        c,
        "CV accuracy after "
            + Fmt.epochs(plan.sweepEpochs())
            + " per learning rate (a diverged run is drawn at 0)");
  }

  private static void fullFigure(
      Writer w, String name, AblationPlan plan, List<AblationGroup> groups) {
    Lines c = new Lines(name + ": full training set, test accuracy per epoch", "epoch", "test accuracy");
    for (AblationGroup g : groups) {
      if (g.phase() != Phase.FULL) continue;
      c.curve(
          Labels.optimizer(g.optimizer()),
          g.curve(e -> e.val().acc()),
          COLORS.get(g.optimizer()),
          false);
    }
    if (!c.hasPoint()) return;
    double target = plan.full().target();
    if (target > 0) {
      c.series.add(
          new Line(
              "target " + String.format(Locale.ROOT, "%.1f%%", 100 * target),
              new double[] {1, plan.full().epochs()},
              new double[] {target, target},
              new LineChart.Style(Color.GRAY, true, true)));
    }
    w.save(
        "full-data.png",
        c,
        "Test accuracy per epoch when training on the full training set"
            + " (the test set is only monitored, never used for a choice)");
  }

  private static void smallFigure(
      Writer w, String name, AblationPlan plan, List<AblationGroup> groups, Phase phase) {
    boolean random = phase == Phase.RANDOM;
    Lines c =
        new Lines(
            name
                + ": "
                + plan.small().rows()
                + " training rows"
                + (random ? " with random labels" : "")
                + ", train and CV accuracy",
            "epoch",
            "accuracy");
    int k = 0;
    for (AblationGroup g : groups) {
      if (g.phase() != phase) continue;
      Color col = LineChart.color(k++);
      String v = Labels.variant(g);
      c.curve(v + " train", g.curve(e -> e.train().acc()), col, true);
      c.curve(v + " CV", g.curve(e -> e.val().acc()), col, false);
    }
    w.save(
        random ? "random-labels.png" : "small-sample.png",
        c,
        (random ? "Small sample with random labels" : "Small sample")
            + ": training (dashed) and CV (solid) accuracy per epoch for each regularizer (mean"
            + " over seeds)");
  }

  /** One series of a line figure. */
  private record Line(String name, double[] x, double[] y, LineChart.Style style) {}

  /**
   * The series of a line figure, collected first so that the y axis can be chosen from the data
   * (logarithmic when the costs span decades) before the {@link LineChart} is built.
   */
  private static final class Lines {
    final String title;
    final String xLabel;
    final String yLabel;
    final List<Line> series = new ArrayList<>();
    boolean logY;

    Lines(String title, String xLabel, String yLabel) {
      this.title = title;
      this.xLabel = xLabel;
      this.yLabel = yLabel;
    }

    /** A curve over x = 1..n (epochs, or layers). */
    void curve(String name, double[] y, Color color, boolean dashed) {
      double[] x = new double[y.length];
      for (int i = 0; i < x.length; i++) x[i] = i + 1;
      series.add(new Line(name, x, y, new LineChart.Style(color, dashed, true)));
    }

    /** Whether any series has a point the chart would draw. */
    boolean hasPoint() {
      for (Line l : series) {
        for (int i = 0; i < l.y.length; i++) {
          if (Double.isFinite(l.y[i]) && (!logY || l.y[i] > 0)) return true;
        }
      }
      return false;
    }

    /** True when every finite value is positive and the largest is 10^decades times the least. */
    boolean spansDecades(int decades) {
      double lo = Double.POSITIVE_INFINITY;
      double hi = 0;
      for (Line l : series) {
        for (double v : l.y) {
          if (!Double.isFinite(v)) continue;
          if (v <= 0) return false;
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
      return hi > 0 && hi / lo > Math.pow(10, decades);
    }

    LineChart chart() {
      LineChart c = new LineChart(title, xLabel, yLabel).logY(logY).integerX(true);
      for (Line l : series) c.add(l.name, l.x, l.y, l.style);
      return c;
    }
  }

  /** Writes the figures into a directory and lists them, skipping a figure with nothing to draw. */
  private static final class Writer {
    final String dir;
    final List<Figure> out = new ArrayList<>();

    Writer(String dir) {
      this.dir = dir;
    }

    void save(String file, Lines lines, String caption) {
      if (!lines.hasPoint()) return;
      lines.chart().write(Fs.resolve(dir, file));
      out.add(new Figure("figures/" + file, caption));
    }

    void save(String file, Chart<?, ?> chart, String caption) {
      if (chart.getSeriesMap().isEmpty()) return;
      Png.write(Fs.resolve(dir, file), Png.encode(BitmapEncoder.getBufferedImage(chart)));
      out.add(new Figure("figures/" + file, caption));
    }
  }

  private static void style(Styler s) {
    s.setChartBackgroundColor(Color.WHITE);
    s.setLegendPosition(Styler.LegendPosition.OutsideS);
    s.setLegendLayout(Styler.LegendLayout.Horizontal);
    s.setLegendBorderColor(Color.LIGHT_GRAY);
    s.setChartTitleBoxVisible(false);
    s.setPlotBorderVisible(true);
  }

  private static double[] scale(double[] v, double f) {
    double[] o = new double[v.length];
    for (int i = 0; i < v.length; i++) o[i] = v[i] * f;
    return o;
  }
}

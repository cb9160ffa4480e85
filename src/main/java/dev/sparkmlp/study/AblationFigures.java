package dev.sparkmlp.study;

import dev.sparkmlp.study.AblationPlan.Phase;
import dev.sparkmlp.io.Fs;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * The report's PNG figures (XChart), each 800x500, for {@code <output>/figures/}. Curves are means
 * over seeds; an optimizer keeps its colour in every figure, and U[-1,1] is drawn dashed where both
 * initialisations share a chart.
 */
final class AblationFigures {
  static final int WIDTH = 800;
  static final int HEIGHT = 500;
  private static final Map<String, Color> COLORS =
      Map.of(
          "sgd",
          new Color(0x1f77b4),
          "momentum",
          new Color(0xff7f0e),
          "rmsprop",
          new Color(0x2ca02c),
          "adam",
          new Color(0xd62728),
          "adamw",
          new Color(0x9467bd));
  private static final Color[] PALETTE = {
    new Color(0x1f77b4),
    new Color(0xd62728),
    new Color(0x2ca02c),
    new Color(0xff7f0e),
    new Color(0x9467bd),
    new Color(0x8c564b)
  };
  private static final BasicStroke DASHED =
      new BasicStroke(
          2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f);
  private static final BasicStroke SOLID = new BasicStroke(2f);

  /** A written figure: its file name under figures/ and what it shows. */
  record Figure(String file, String caption) {}

  private AblationFigures() {}

  /** The initialisation the gap and curve comparisons use: He uniform when it is in the grid. */
  static String workingInit(AblationPlan plan) {
    return plan.inits().contains("he_uniform")
        ? "he_uniform"
        : plan.inits().get(plan.inits().size() - 1);
  }

  /**
   * Writes every figure the results support into {@code dir} and returns them in report order,
   * named as the report links them (figures/...). The caller publishes dir atomically.
   */
  static List<Figure> write(
      String dir, String name, AblationPlan plan, List<AblationGroup> groups) {
    System.setProperty("java.awt.headless", "true");
    List<Figure> out = new ArrayList<>();
    for (String init : plan.inits()) {
      for (double l : plan.lambdas()) {
        String suffix = init + "-l" + Fmt.num(l);
        String setting = Labels.init(init) + ", λ = " + Fmt.num(l);
        XYChart cost =
            chart(name + ": training cost, " + setting, "epoch", "training cost (CCE + L2)");
        XYChart acc = chart(name + ": training accuracy, " + setting, "epoch", "training accuracy");
        List<String> missing = new ArrayList<>();
        for (String o : plan.optimizers()) {
          AblationGroup g = AblationGroup.find(groups, Phase.GRID, o, init, l, 0);
          if (g == null) continue;
          if (g.curve(e -> e.train().acc()).length == 0) missing.add(Labels.optimizer(o));
          line(
              cost,
              Labels.optimizer(o),
              g.curve(AblationResult.Epoch::trainCost),
              COLORS.get(o),
              false);
          line(acc, Labels.optimizer(o), g.curve(e -> e.train().acc()), COLORS.get(o), false);
        }
        logIfWide(cost);
        String note =
            missing.isEmpty()
                ? ""
                : "; not drawn: " + String.join(", ", missing) + " (diverged in the first epoch)";
        save(
            dir,
            "train-cost-" + suffix + ".png",
            cost,
            "Training cost per epoch, " + setting + " (mean over seeds" + note + ")",
            out);
        save(
            dir,
            "train-accuracy-" + suffix + ".png",
            acc,
            "Training accuracy per epoch, " + setting + " (mean over seeds" + note + ")",
            out);
      }
    }
    gapFigures(dir, name, plan, groups, out);
    gradNormFigures(dir, name, plan, groups, out);
    sweepFigure(dir, name, plan, groups, out);
    fullFigure(dir, name, plan, groups, out);
    smallFigure(dir, name, plan, groups, Phase.SMALL, out);
    smallFigure(dir, name, plan, groups, Phase.RANDOM, out);
    return out;
  }

  private static void gapFigures(
      String dir, String name, AblationPlan plan, List<AblationGroup> groups, List<Figure> out) {
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
    XYChart lines =
        chart(
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
        line(
            lines,
            Labels.optimizer(o) + " λ=" + Fmt.num(l),
            scale(g.curve(e -> e.train().acc() - e.val().acc()), 100),
            COLORS.get(o),
            k > 0);
      }
      if (any) {
        bars.addSeries("λ = " + Fmt.num(l), x, y, err)
            .setFillColor(PALETTE[k % PALETTE.length]);
      }
      k++;
    }
    save(
        dir,
        "gap.png",
        bars,
        "Final train − CV accuracy gap per optimizer, "
            + Labels.init(init)
            + ", for λ = "
            + join(ls)
            + " (mean ± sd over seeds; a diverged setting is drawn at 0)",
        out);
    save(
        dir,
        "gap-epochs.png",
        lines,
        "Train − CV accuracy gap per epoch, "
            + Labels.init(init)
            + "; solid λ = "
            + Fmt.num(ls.get(0))
            + (ls.size() > 1 ? ", dashed λ = " + Fmt.num(ls.get(1)) : ""),
        out);
  }

  /** The smallest and the largest lambda of the grid (the paper's 0 and 3). */
  static List<Double> gapLambdas(AblationPlan plan) {
    double lo = plan.lambdas().stream().mapToDouble(Double::doubleValue).min().orElse(0);
    double hi = plan.lambdas().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    return lo == hi ? List.of(lo) : List.of(lo, hi);
  }

  private static void gradNormFigures(
      String dir, String name, AblationPlan plan, List<AblationGroup> groups, List<Figure> out) {
    double l0 = gapLambdas(plan).get(0);
    XYChart init =
        chart(
            name + ": gradient norm per layer at initialisation",
            "layer (1 = input side)",
            "‖mean gradient‖₂ of the first mini-batch");
    init.getStyler().setYAxisLogarithmic(true);
    init.getStyler().setXAxisDecimalPattern("0");
    XYChart epochs =
        chart(
            name + ": gradient norm of layer 1 per epoch, λ = " + Fmt.num(l0),
            "epoch",
            "mean ‖gradient‖₂ of layer 1 over the epoch's steps");
    epochs.getStyler().setYAxisLogarithmic(true);
    int k = 0;
    for (String i : plan.inits()) {
      List<AblationResult> runs = new ArrayList<>();
      for (AblationGroup g : groups)
        if (g.phase() == Phase.GRID && g.init().equals(i)) runs.addAll(g.runs());
      if (runs.isEmpty()) continue;
      int layers = runs.get(0).initial().gradNorms().length;
      double[] x = new double[layers];
      double[] y = new double[layers];
      for (int li = 0; li < layers; li++) {
        x[li] = li + 1;
        List<Double> v = new ArrayList<>();
        for (AblationResult r : runs) v.add(r.initial().gradNorms()[li]);
        y[li] = Stat.of(v).mean();
      }
      XYSeries s = points(init, Labels.init(i), x, y, PALETTE[k++ % PALETTE.length], false);
      if (s != null) s.setMarker(SeriesMarkers.CIRCLE);
      for (String o : plan.optimizers()) {
        AblationGroup g = AblationGroup.find(groups, Phase.GRID, o, i, l0, 0);
        if (g == null) continue;
        line(
            epochs,
            Labels.optimizer(o) + ", " + Labels.init(i),
            g.curve(e -> e.gradNorms()[0]),
            COLORS.get(o),
            i.equals("uniform"));
      }
    }
    save(
        dir,
        "grad-norms-init.png",
        init,
        "Per-layer norm of the mean gradient of the first mini-batch at the initial weights (mean"
            + " over runs)",
        out);
    save(
        dir,
        "grad-norms-epochs.png",
        epochs,
        "Mean gradient norm of the first layer per epoch, λ = "
            + Fmt.num(l0)
            + "; dashed: U[-1,1], solid: He uniform; a run that diverged ends early",
        out);
  }

  private static void sweepFigure(
      String dir, String name, AblationPlan plan, List<AblationGroup> groups, List<Figure> out) {
    if (plan.sweepRates().isEmpty()) return;
    XYChart c =
        chart(
            name + ": learning-rate sweep (He uniform, λ = 0, " + plan.sweepEpochs() + " epochs)",
            "learning rate",
            "CV accuracy");
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
      XYSeries s =
          points(
              c,
              Labels.optimizer(o),
              x.stream().mapToDouble(Double::doubleValue).toArray(),
              y.stream().mapToDouble(Double::doubleValue).toArray(),
              COLORS.get(o),
              false);
      if (s != null) s.setMarker(SeriesMarkers.CIRCLE);
    }
    save(
        dir,
        "lr-sweep.png",
        c,
        "CV accuracy after "
            + plan.sweepEpochs()
            + " epochs per learning rate (a diverged run is drawn at 0)",
        out);
  }

  private static void fullFigure(
      String dir, String name, AblationPlan plan, List<AblationGroup> groups, List<Figure> out) {
    XYChart c =
        chart(name + ": full training set, test accuracy per epoch", "epoch", "test accuracy");
    for (AblationGroup g : groups) {
      if (g.phase() != Phase.FULL) continue;
      line(
          c,
          Labels.optimizer(g.optimizer()),
          g.curve(e -> e.val().acc()),
          COLORS.get(g.optimizer()),
          false);
    }
    if (c.getSeriesMap().isEmpty()) return;
    if (plan.full().target() > 0) {
      int n = plan.full().epochs();
      XYSeries t =
          c.addSeries(
              "target " + String.format(Locale.ROOT, "%.1f%%", 100 * plan.full().target()),
              new double[] {1, n},
              new double[] {plan.full().target(), plan.full().target()});
      t.setMarker(SeriesMarkers.NONE);
      t.setLineColor(Color.GRAY);
      t.setLineStyle(DASHED);
    }
    save(
        dir,
        "full-data.png",
        c,
        "Test accuracy per epoch when training on the full training set"
            + " (the test set is only monitored, never used for a choice)",
        out);
  }

  private static void smallFigure(
      String dir,
      String name,
      AblationPlan plan,
      List<AblationGroup> groups,
      Phase phase,
      List<Figure> out) {
    boolean random = phase == Phase.RANDOM;
    XYChart c =
        chart(
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
      Color col = PALETTE[k++ % PALETTE.length];
      String v = Labels.variant(g);
      line(c, v + " train", g.curve(e -> e.train().acc()), col, true);
      line(c, v + " CV", g.curve(e -> e.val().acc()), col, false);
    }
    save(
        dir,
        random ? "random-labels.png" : "small-sample.png",
        c,
        (random ? "Small sample with random labels" : "Small sample")
            + ": training (dashed) and CV (solid) accuracy per epoch for each regularizer (mean"
            + " over seeds)",
        out);
  }

  private static XYChart chart(String title, String x, String y) {
    XYChart c =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(x)
            .yAxisTitle(y)
            .build();
    style(c.getStyler());
    c.getStyler().setMarkerSize(5);
    return c;
  }

  private static void style(Styler s) {
    s.setChartBackgroundColor(Color.WHITE);
    s.setLegendPosition(Styler.LegendPosition.OutsideS);
    s.setLegendLayout(Styler.LegendLayout.Horizontal);
    s.setLegendBorderColor(Color.LIGHT_GRAY);
    s.setChartTitleBoxVisible(false);
    s.setPlotBorderVisible(true);
  }

  /** A curve over epochs 1..n, NaN points left out. */
  private static void line(XYChart c, String name, double[] y, Color color, boolean dashed) {
    double[] x = new double[y.length];
    for (int i = 0; i < x.length; i++) x[i] = i + 1;
    XYSeries s = points(c, name, x, y, color, dashed);
    if (s != null) s.setMarker(y.length <= 3 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
  }

  /** Adds the finite points (positive ones on a log axis) as a series; null if none are left. */
  private static XYSeries points(
      XYChart c, String name, double[] x, double[] y, Color color, boolean dashed) {
    boolean logY = c.getStyler().isYAxisLogarithmic();
    boolean logX = c.getStyler().isXAxisLogarithmic();
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (int i = 0; i < y.length; i++) {
      if (!Double.isFinite(y[i])
          || !Double.isFinite(x[i])
          || (logY && y[i] <= 0)
          || (logX && x[i] <= 0)) continue;
      xs.add(x[i]);
      ys.add(y[i]);
    }
    if (xs.isEmpty() || c.getSeriesMap().containsKey(name)) return null;
    XYSeries s = c.addSeries(name, xs, ys);
    s.setLineColor(color);
    s.setMarkerColor(color);
    s.setLineStyle(dashed ? DASHED : SOLID);
    return s;
  }

  /** A log y axis when the positive values span more than two decades (U[-1,1] costs do). */
  private static void logIfWide(XYChart c) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = 0;
    for (XYSeries s : c.getSeriesMap().values()) {
      for (double v : s.getYData()) {
        if (v > 0) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        } else {
          return;
        }
      }
    }
    if (hi > 0 && hi / lo > 100) c.getStyler().setYAxisLogarithmic(true);
  }

  private static double[] scale(double[] v, double f) {
    double[] o = new double[v.length];
    for (int i = 0; i < v.length; i++) o[i] = v[i] * f;
    return o;
  }

  private static String join(List<Double> ls) {
    return String.join(" and ", ls.stream().map(Fmt::num).toList());
  }

  /** Renders and writes a chart that has data, and lists it. */
  private static void save(
      String dir, String file, Chart<?, ?> chart, String caption, List<Figure> out) {
    if (chart.getSeriesMap().isEmpty()) return;
    if (chart.getSeriesMap().size() > 5) {
      // A long legend below the plot runs off the image; a column beside it fits.
      chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
      chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
    }
    byte[] png;
    try {
      png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot render " + file + ": " + e.getMessage(), e);
    }
    Fs.write(Fs.resolve(dir, file), o -> o.write(png));
    out.add(new Figure("figures/" + file, caption));
  }
}

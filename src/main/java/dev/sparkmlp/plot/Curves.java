package dev.sparkmlp.plot;

import dev.sparkmlp.data.DataException;
import dev.sparkmlp.io.Fs;
import dev.sparkmlp.io.Json;
import dev.sparkmlp.train.EpochMetrics;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training curves of runs: loss and accuracy per epoch, train and validation, as one PNG of
 * {@value #WIDTH} x {@value #HEIGHT} pixels with a loss panel on the left and an accuracy panel on
 * the right. When no run has an accuracy (regression), the loss panel takes the whole width.
 *
 * <p>One run ({@link #png}) draws train and validation in two colours. Several runs
 * ({@link #overlay}) give each run a colour: its training curve is solid and named in the legend,
 * its validation curve is dashed in the same colour. The loss axis is logarithmic when all losses
 * are positive and span more than a factor of 100 (a run whose loss falls by decades, or one that
 * blows up beside runs that do not).
 *
 * <p>The training loss is the epoch's mean training cost with regularization, the validation
 * loss the data loss alone, as in {@code metrics.jsonl} ({@link EpochMetrics#toMap}).
 */
public final class Curves {
  public static final int WIDTH = 1200;
  public static final int HEIGHT = 450;
  /** The file {@code train} writes beside {@code metrics.jsonl}. */
  public static final String FILE = "curves.png";
  /** The per-epoch history {@code train} writes into a run directory. */
  public static final String METRICS = "metrics.jsonl";
  static final double LOG_SPAN = 100;

  private Curves() {}

  /**
   * One run's curves as PNG bytes.
   *
   * @throws IllegalArgumentException if the history is empty
   */
  public static byte[] png(List<EpochMetrics> history, String title) {
    if (history == null || history.isEmpty()) throw new IllegalArgumentException("no epochs to plot for " + title);
    return Png.encode(draw(Map.of("train", history), title, false));
  }

  /**
   * Several runs' curves on the same axes, as PNG bytes; the map's iteration order (use a
   * {@link LinkedHashMap}) is the legend and colour order.
   *
   * @throws IllegalArgumentException if there is no run, or a run has no epochs
   */
  public static byte[] overlay(Map<String, List<EpochMetrics>> runs, String title) {
    if (runs == null || runs.isEmpty()) throw new IllegalArgumentException("no runs to plot for " + title);
    runs.forEach((name, h) -> {
      if (h == null || h.isEmpty()) throw new IllegalArgumentException("run " + name + ": no epochs to plot");
    });
    return Png.encode(draw(runs, title, true));
  }

  /**
   * Reads a run's history from {@code run/metrics.jsonl}, or from {@code run} itself when it is a
   * file. Blank lines are skipped.
   *
   * @throws DataException naming the file and, for a bad line, its 1-based line number: the file
   *     is missing, a line is not JSON or lacks a field {@link EpochMetrics#fromJson} needs, the
   *     epochs do not increase, or there is no epoch at all
   */
  public static List<EpochMetrics> read(String run) {
    String file = Fs.isDirectory(run) ? Fs.resolve(run, METRICS) : run;
    if (!Fs.exists(file)) {
      throw new DataException(file, null, file.equals(run)
          ? "no such run directory or metrics file"
          : "not found (is " + run + " a training output directory?)");
    }
    String[] lines = new String(Fs.readAllBytes(file), StandardCharsets.UTF_8).split("\r?\n", -1);
    List<EpochMetrics> history = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].isBlank()) continue;
      EpochMetrics m;
      try {
        m = EpochMetrics.fromJson(Json.parse(lines[i]));
      } catch (IllegalArgumentException e) {
        throw new DataException(file, "line " + (i + 1), e.getMessage().lines().findFirst().orElse(""), e);
      }
      if (!history.isEmpty() && m.epoch() <= history.get(history.size() - 1).epoch()) {
        throw new DataException(file, "line " + (i + 1), "epoch " + m.epoch() + " after epoch "
            + history.get(history.size() - 1).epoch() + " (epochs must increase)");
      }
      history.add(m);
    }
    if (history.isEmpty()) throw new DataException(file, null, "no epochs (the file is empty)");
    return history;
  }

  /**
   * Writes {@code runDir/curves.png} from {@code history}, titled with the run's name, atomically:
   * {@code train} calls this after every epoch with the history it has just written to
   * {@code runDir/metrics.jsonl}, so a viewer of the file sees the run so far.
   */
  public static void writeRun(String runDir, List<EpochMetrics> history) {
    Png.write(Fs.resolve(runDir, FILE), png(history, runName(runDir)));
  }

  /**
   * The name a run goes by in a legend: the last segment of its directory, or of the directory
   * holding it when {@code run} is a metrics file.
   */
  public static String runName(String run) {
    String p = run;
    while (p.length() > 1 && p.endsWith("/")) p = p.substring(0, p.length() - 1);
    String name = p.substring(p.lastIndexOf('/') + 1);
    if (name.equals(METRICS) && p.contains("/")) return runName(p.substring(0, p.lastIndexOf('/') + 1));
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      Path abs = Path.of(p).toAbsolutePath().normalize().getFileName();
      return abs == null ? p : abs.toString();
    }
    return name;
  }

  /** The two panels (or the loss panel alone); {@code overlay} selects the several-runs styling. */
  private static BufferedImage draw(Map<String, List<EpochMetrics>> runs, String title, boolean overlay) {
    boolean anyValidation = false;
    boolean anyAccuracy = false;
    List<Double> losses = new ArrayList<>();
    for (List<EpochMetrics> h : runs.values()) {
      for (EpochMetrics m : h) {
        anyValidation |= m.validation() != null;
        anyAccuracy |= Double.isFinite(m.train().accuracy())
            || (m.validation() != null && Double.isFinite(m.validation().accuracy()));
        losses.add(m.trainLoss());
        if (m.validation() != null) losses.add(m.validation().loss());
      }
    }
    String x = overlay && anyValidation ? "epoch (solid: train, dashed: validation)" : "epoch";
    String prefix = title == null || title.isBlank() ? "" : title + ": ";
    LineChart loss = new LineChart(prefix + "loss", x, "loss").integerX(true).logY(spansDecades(losses));
    LineChart acc = new LineChart(prefix + "accuracy", x, "accuracy (%)").integerX(true);
    int k = 0;
    for (Map.Entry<String, List<EpochMetrics>> run : runs.entrySet()) {
      List<EpochMetrics> h = run.getValue();
      int n = h.size();
      double[] epoch = new double[n];
      double[] trainLoss = new double[n];
      double[] trainAcc = new double[n];
      double[] valLoss = new double[n];
      double[] valAcc = new double[n];
      for (int i = 0; i < n; i++) {
        EpochMetrics m = h.get(i);
        epoch[i] = m.epoch();
        trainLoss[i] = m.trainLoss();
        trainAcc[i] = 100 * m.train().accuracy();
        valLoss[i] = m.validation() == null ? Double.NaN : m.validation().loss();
        valAcc[i] = m.validation() == null ? Double.NaN : 100 * m.validation().accuracy();
      }
      String trainName = overlay ? run.getKey() : "train";
      String valName = overlay ? run.getKey() + " (validation)" : "validation";
      LineChart.Style train = new LineChart.Style(LineChart.color(k), false, true);
      LineChart.Style val = overlay
          ? new LineChart.Style(LineChart.color(k), true, false)
          : new LineChart.Style(LineChart.color(k + 1), false, true);
      loss.add(trainName, epoch, trainLoss, train).add(valName, epoch, valLoss, val);
      acc.add(trainName, epoch, trainAcc, train).add(valName, epoch, valAcc, val);
      k++;
    }
    if (!anyAccuracy) return loss.size(WIDTH, HEIGHT).image();
    return Png.beside(loss.size(WIDTH / 2, HEIGHT).image(), acc.size(WIDTH / 2, HEIGHT).image());
  }

  /** True when every value is positive or not finite and the finite ones span more than LOG_SPAN. */
  private static boolean spansDecades(List<Double> values) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = 0;
    for (double v : values) {
      if (!Double.isFinite(v)) continue;
      if (v <= 0) return false;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return hi > 0 && hi / lo > LOG_SPAN;
  }
}

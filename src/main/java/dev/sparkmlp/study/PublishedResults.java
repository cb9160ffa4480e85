package dev.sparkmlp.study;

import dev.sparkmlp.data.DataException;
import dev.sparkmlp.io.Fs;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The results of a published report read back: {@code results.csv} for each run's settings,
 * outcome and time, {@code history.csv} for its metrics before training and after each epoch. The
 * two files hold everything the report needs, at the six significant digits they were written
 * with, so a report can be rewritten from them without the per-run {@code result.json} files.
 */
final class PublishedResults {
  private final Map<String, Map<String, String>> runs = new LinkedHashMap<>();
  private final Map<String, List<Map<String, String>>> epochs = new HashMap<>();
  private final String[] layers;
  private final String dir;

  private PublishedResults(String dir, List<Map<String, String>> results,
      List<Map<String, String>> history, String[] layers) {
    this.dir = dir;
    this.layers = layers;
    for (Map<String, String> r : results) runs.put(r.get("id"), r);
    for (Map<String, String> h : history) {
      epochs.computeIfAbsent(h.get("id"), k -> new ArrayList<>()).add(h);
    }
  }

  /** Reads dir/results.csv and dir/history.csv; errors name the file and the row. */
  static PublishedResults read(String dir) {
    String resultsPath = Fs.resolve(dir, "results.csv");
    String historyPath = Fs.resolve(dir, "history.csv");
    List<Map<String, String>> results = rows(resultsPath);
    List<Map<String, String>> history = rows(historyPath);
    List<String> names = new ArrayList<>();
    String head = text(historyPath).lines().findFirst().orElse("");
    for (String col : head.split(",", -1)) {
      if (col.startsWith("grad_norm_")) names.add(col.substring("grad_norm_".length()));
    }
    return new PublishedResults(dir, results, history, names.toArray(new String[0]));
  }

  /**
   * The published result of a cell: null when the files have no run of that id, or when its
   * settings (optimizer, rate, init, lambda, dropout, seed, epochs) differ from the cell's.
   */
  AblationResult result(AblationPlan.Cell cell) {
    Map<String, String> r = runs.get(cell.id());
    if (r == null || !matches(r, cell)) return null;
    List<Map<String, String>> h = epochs.getOrDefault(cell.id(), List.of());
    if (h.isEmpty() || Integer.parseInt(h.get(0).get("epoch")) != 0) {
      throw new DataException(Fs.resolve(dir, "history.csv"), cell.id(),
          "the run has no epoch-0 row (the metrics at the initial weights)");
    }
    List<AblationResult.Epoch> history = new ArrayList<>();
    for (int i = 1; i < h.size(); i++) history.add(epoch(h.get(i)));
    int done = Integer.parseInt(r.get("epochs_done"));
    if (history.size() != done) {
      throw new DataException(Fs.resolve(dir, "history.csv"), cell.id(),
          done + " epochs in results.csv but " + history.size() + " in history.csv");
    }
    boolean diverged = Boolean.parseBoolean(r.get("diverged"));
    return new AblationResult(
        cell,
        null,
        layers.clone(),
        epoch(h.get(0)),
        history,
        diverged ? "diverged after " + Fmt.epochs(done) + " (results.csv)" : null,
        number(r.get("seconds")));
  }

  private static boolean matches(Map<String, String> r, AblationPlan.Cell c) {
    return r.get("phase").equals(c.phase().label)
        && r.get("optimizer").equals(c.optimizer())
        && number(r.get("lr")) == c.lr()
        && r.get("init").equals(c.init())
        && number(r.get("lambda")) == c.lambda()
        && number(r.get("dropout")) == c.dropout()
        && Long.parseLong(r.get("seed")) == c.seed()
        && Integer.parseInt(r.get("epochs")) == c.epochs();
  }

  private AblationResult.Epoch epoch(Map<String, String> h) {
    double[] norms = new double[layers.length];
    for (int l = 0; l < norms.length; l++) norms[l] = number(h.get("grad_norm_" + layers[l]));
    return new AblationResult.Epoch(
        Integer.parseInt(h.get("epoch")),
        number(h.get("train_cost")),
        snapshot(h, "train_"),
        snapshot(h, "val_"),
        norms);
  }

  private static AblationResult.Snapshot snapshot(Map<String, String> h, String prefix) {
    return new AblationResult.Snapshot(
        number(h.get(prefix + "cce")),
        number(h.get(prefix + "acc")),
        number(h.get(prefix + "bce")),
        number(h.get(prefix + "half_mse")));
  }

  /** A CSV cell as {@link Fmt#csv} writes it: empty is NaN, inf and -inf are infinities. */
  static double number(String s) {
    if (s == null || s.isEmpty()) return Double.NaN;
    return switch (s) {
      case "inf" -> Double.POSITIVE_INFINITY;
      case "-inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(s);
    };
  }

  /** The rows of a CSV file without quoting (as the report writes them), keyed by the header. */
  private static List<Map<String, String>> rows(String path) {
    List<String> lines = text(path).lines().filter(l -> !l.isEmpty()).toList();
    if (lines.isEmpty()) throw new DataException(path, "header", "the file is empty");
    String[] header = lines.get(0).split(",", -1);
    List<Map<String, String>> out = new ArrayList<>();
    int gap = List.of(header).indexOf("gap");
    for (int i = 1; i < lines.size(); i++) {
      String[] cells = lines.get(i).split(",", -1);
      if (cells.length == header.length + 1 && gap >= 0 && cells[gap].isEmpty()) {
        // results.csv before the fix of 2026-12 wrote one empty cell too many for a diverged run.
        List<String> fixed = new ArrayList<>(List.of(cells));
        fixed.remove(gap);
        cells = fixed.toArray(new String[0]);
      }
      if (cells.length != header.length) {
        throw new DataException(path, "row " + (i + 1),
            cells.length + " cells under a header of " + header.length);
      }
      Map<String, String> m = new HashMap<>();
      for (int j = 0; j < header.length; j++) m.put(header[j], cells[j]);
      out.add(m);
    }
    return out;
  }

  private static String text(String path) {
    if (!Fs.exists(path)) {
      throw new IllegalArgumentException(path + ": not found (--from needs a published report)");
    }
    return new String(Fs.readAllBytes(path), StandardCharsets.UTF_8);
  }
}

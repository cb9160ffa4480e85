package dev.sparkmlp.study;

import com.typesafe.config.Config;
import dev.sparkmlp.data.Block;
import dev.sparkmlp.io.Fs;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.study.AblationPlan.Cell;
import dev.sparkmlp.study.AblationPlan.Phase;
import dev.sparkmlp.train.TrainConfig;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs an ablation plan phase by phase (learning-rate sweep, grid, full data, small sample), one
 * line per finished run with an ETA for everything left, then writes the figures and the report.
 *
 * <p>Each run's {@code result.json} carries a key of everything that determines it; a later
 * invocation with the same output reuses results whose key matches, so an interrupted study
 * continues where it stopped and a changed setting retrains only the runs it affects. With {@link
 * #from}, the results come from a published report's CSV files instead and nothing is trained.
 */
public final class AblationStudy {
  /** Evaluation rows cost about a third of a training row (forward pass only). */
  private static final double EVAL_WEIGHT = 1.0 / 3;

  private final Config c;
  private final StudyHost host;
  private final AblationPlan plan;
  private final String output;
  private final String configName;
  private final boolean fresh;
  private final PrintStream out;
  private final String name;

  private PublishedResults published;
  private AblationData data;
  private int done;
  private int total;
  private int reused;
  private double trainedUnits;
  private double trainedSeconds;
  private double remainingUnits;

  /**
   * @param c the loaded configuration: the usual data, model and train sections plus ablation
   * @param configName the config file, as the report names it in its command line
   * @param fresh retrain every run, even those with a matching result.json
   * @throws IllegalArgumentException naming the key, for a bad ablation setting
   */
  public AblationStudy(
      Config c, StudyHost host, String configName, boolean fresh, PrintStream out) {
    this.c = c;
    this.host = host;
    this.plan = AblationPlan.of(c, host);
    this.output = c.getString("output");
    this.configName = configName;
    this.fresh = fresh;
    this.out = out;
    this.name = plan.datasetName().isBlank() ? "ablation" : plan.datasetName();
  }

  /**
   * Takes every result from the published report in dir ({@code results.csv}, {@code
   * history.csv}) instead of the output's runs, and trains nothing: the way to rewrite a committed
   * report after a change to the report's code.
   */
  public AblationStudy from(String dir) {
    this.published = PublishedResults.read(dir);
    return this;
  }

  /**
   * Trains what is missing (nothing with reportOnly or {@link #from}), then writes the report to
   * the output directory and, when publish is not null, to publish as well. Returns the findings.
   */
  public List<Finding> run(boolean reportOnly, String publish) {
    long t0 = System.nanoTime();
    boolean trainNothing = reportOnly || published != null;
    AblationData.checkFilesExist(host.data(c), plan, configName);
    data = AblationData.load(host.data(c), plan);
    List<Cell> sweep = plan.sweepCells();
    Map<String, Double> configured = new LinkedHashMap<>(plan.lr());
    List<List<Cell>> phases =
        List.of(
            sweep,
            plan.gridCells(configured),
            plan.fullCells(configured),
            plan.smallCells(configured));
    for (List<Cell> phase : phases) {
      total += phase.size();
      for (Cell cell : phase) remainingUnits += units(cell);
    }
    out.printf(
        "sparkmlp ablation: %s, %,d training and %,d CV rows, %d runs (sweep %d, grid %d, full data"
            + " %d, small sample %d); %s -> %s%n",
        name,
        data.train().rows,
        data.cv().rows,
        total,
        sweep.size(),
        phases.get(1).size(),
        phases.get(2).size(),
        phases.get(3).size(),
        published != null ? "from the published results" : host.describe(),
        output);

    List<AblationResult> results = new ArrayList<>();
    List<AblationResult> sweepResults = runAll(sweep, trainNothing);
    results.addAll(sweepResults);
    Map<String, Double> rates = chooseRates(plan, sweepResults);
    if (plan.sweepSelect()) {
      List<String> chosen = new ArrayList<>();
      for (String o : plan.optimizers()) chosen.add(o + " " + Fmt.num(rates.get(o)));
      out.println("sparkmlp ablation: learning rates from the sweep: " + String.join(", ", chosen));
    }
    results.addAll(runAll(plan.gridCells(rates), trainNothing));
    results.addAll(runAll(plan.fullCells(rates), trainNothing));
    results.addAll(runAll(plan.smallCells(rates), trainNothing));

    double wall = (System.nanoTime() - t0) / 1e9;
    AblationReport.Context ctx = context(rates, wall, results.size() - reused);
    List<Finding> findings = writeReport(output, results, ctx);
    if (publish != null) writeReport(publish, results, ctx);
    for (Finding f : findings) out.printf("  [%s] %s%n", f.verdict(), f.claim());
    out.printf(
        "sparkmlp ablation: %d runs in %s; report: %s%s%n",
        results.size(),
        Fmt.duration(wall),
        Fs.resolve(output, "REPORT.md"),
        publish == null ? "" : " and " + Fs.resolve(publish, "REPORT.md"));
    return findings;
  }

  private AblationReport.Context context(Map<String, Double> rates, double wall, int trained) {
    NetworkSpec spec = host.network(c, data.train().features, data.train().targetWidth);
    TrainConfig cfg = host.train(c, 1);
    return new AblationReport.Context(
        name,
        configName,
        "scripts/sparkmlp ablation --config " + configName,
        host.describe(),
        rates,
        plan.sweepSelect(),
        data.train().rows,
        data.cv().rows,
        plan.full().epochs() > 0 ? data.fullTrain().rows : 0,
        plan.full().epochs() > 0 ? data.test().rows : 0,
        NetworkText.of(c, spec),
        cfg.optimizer(),
        cfg.regularization().perDataset(),
        wall,
        trained,
        published != null);
  }

  private List<Finding> writeReport(
      String dir, List<AblationResult> results, AblationReport.Context ctx) {
    List<AblationGroup> groups = AblationGroup.of(results);
    List<List<AblationFigures.Figure>> figures = new ArrayList<>();
    Fs.writeDirectoryAtomically(
        Fs.resolve(dir, "figures"),
        tmp -> figures.add(AblationFigures.write(tmp, name, plan, groups)));
    AblationReport report = new AblationReport(plan, ctx, results, figures.get(0));
    report.write(dir);
    return report.findings();
  }

  /**
   * Per sweep optimizer, the rate with the best final CV accuracy among the rates whose next larger
   * rate in the sweep also trained without diverging; the config's rate when the sweep has nothing
   * eligible. The margin matters: a rate at the edge of stability can look best after the sweep's
   * few epochs and diverge later in a full-length run (SGD at 0.3 on MNIST did, in epoch 12).
   */
  static Map<String, Double> chooseRates(AblationPlan plan, List<AblationResult> sweep) {
    Map<String, Double> rates = new LinkedHashMap<>(plan.lr());
    if (!plan.sweepSelect()) return rates;
    for (String o : plan.optimizers()) {
      List<AblationResult> rs =
          sweep.stream()
              .filter(r -> r.cell().optimizer().equals(o))
              .sorted(java.util.Comparator.comparingDouble(r -> r.cell().lr()))
              .toList();
      double best = Double.NEGATIVE_INFINITY;
      for (int i = 0; i + 1 < rs.size(); i++) {
        AblationResult r = rs.get(i);
        if (!rs.get(i + 1).isDiverged() && r.valAcc() > best) {
          best = r.valAcc();
          rates.put(o, r.cell().lr());
        }
      }
    }
    return rates;
  }

  private List<AblationResult> runAll(List<Cell> cells, boolean reportOnly) {
    List<AblationResult> rs = new ArrayList<>();
    for (Cell c : cells) {
      AblationResult r = runOne(c, reportOnly);
      if (r != null) rs.add(r);
    }
    return rs;
  }

  private AblationResult runOne(Cell cell, boolean reportOnly) {
    String dir = Fs.resolve(Fs.resolve(output, "cells"), cell.id());
    String key = RunKey.of(AblationRun.config(c, cell), cell, host.shards());
    String resultPath = Fs.resolve(dir, "result.json");
    double units = units(cell);
    AblationResult r = null;
    boolean wasReused = false;
    if (published != null) {
      r = published.result(cell);
      wasReused = r != null;
      if (wasReused) reused++;
    } else if (!fresh && Fs.exists(resultPath)) {
      String json = new String(Fs.readAllBytes(resultPath), StandardCharsets.UTF_8);
      if (key.equals(AblationResult.keyOf(json))) {
        r = AblationResult.parse(cell, json);
        wasReused = true;
        reused++;
      }
    }
    if (r == null && reportOnly) {
      remainingUnits -= units;
      done++;
      out.printf(
          "[%s] %-28s %s%n",
          counter(),
          cell.id(),
          published != null ? "not in the published results" : "not trained yet (--report-only)");
      return null;
    }
    if (r == null) {
      boolean full = cell.phase() == Phase.FULL;
      Block train =
          switch (cell.phase()) {
            case FULL -> data.fullTrain();
            case SMALL -> data.small();
            case RANDOM -> data.randomSmall();
            default -> data.train();
          };
      Block val = full ? data.test() : data.cv();
      r = AblationRun.train(c, host, cell, key, train, val, full ? "test set" : "CV set", dir);
      // A diverged run stops early; counting it would make the rate, and so the ETA, too
      // optimistic.
      if (!r.isDiverged()) {
        trainedUnits += units;
        trainedSeconds += r.seconds();
      }
    }
    remainingUnits -= units;
    done++;
    progress(r, wasReused);
    return r;
  }

  private void progress(AblationResult r, boolean wasReused) {
    Cell c = r.cell();
    String what =
        String.format(
            Locale.ROOT,
            "%-12s %-8s lr %-6s %-10s λ=%-3s%s seed %d",
            c.phase().label,
            c.optimizer(),
            Fmt.num(c.lr()),
            c.init(),
            Fmt.num(c.lambda()),
            c.dropout() > 0 ? " dropout " + Fmt.num(c.dropout()) : "",
            c.seed());
    String val = c.phase() == Phase.FULL ? "test" : "CV";
    String outcome =
        r.isDiverged()
            ? "diverged after " + r.history().size() + " epochs"
            : String.format(
                Locale.ROOT, "%s acc %.4f  train acc %.4f", val, r.valAcc(), r.trainAcc());
    String eta =
        trainedSeconds > 0
            ? Fmt.duration(remainingUnits * trainedSeconds / trainedUnits)
            : "?";
    out.printf(
        "[%s] %s  %s  %s  ETA %s%n",
        counter(),
        what,
        outcome,
        wasReused ? "(reused)" : Fmt.duration(r.seconds()),
        remainingUnits <= 0 ? "0s" : eta);
  }

  private String counter() {
    int w = String.valueOf(total).length();
    return String.format("%" + w + "d/%d", done, total);
  }

  /** Cost of a run in training-row equivalents, for the ETA. */
  private double units(Cell c) {
    double trainRows =
        switch (c.phase()) {
          case FULL -> data.fullTrain().rows;
          case SMALL, RANDOM -> plan.small().rows();
          default -> data.train().rows;
        };
    double valRows = c.phase() == Phase.FULL ? data.test().rows : data.cv().rows;
    return c.epochs() * (trainRows + EVAL_WEIGHT * (trainRows + valRows));
  }
}

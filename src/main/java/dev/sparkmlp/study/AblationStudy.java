package dev.sparkmlp.study;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.sparkmlp.study.AblationPlan.Cell;
import dev.sparkmlp.study.AblationPlan.Phase;
import dev.sparkmlp.data.Block;
import dev.sparkmlp.io.Fs;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.train.Evaluator;
import dev.sparkmlp.train.GradientSource;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
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
 * continues where it stopped and a changed setting retrains only the runs it affects.
 */
final class AblationStudy {
  /** Evaluation rows cost about a third of a training row (forward pass only). */
  private static final double EVAL_WEIGHT = 1.0 / 3;

  private final Settings s;
  private final AblationPlan plan;
  private final String output;
  private final String configName;
  private final boolean fresh;
  private final PrintStream out;
  private final String name;

  private Engine shared;
  private AblationData data;
  private int done;
  private int total;
  private int reused;
  private double trainedUnits;
  private double trainedSeconds;
  private double remainingUnits;

  AblationStudy(Settings s, AblationPlan plan, String configName, boolean fresh, PrintStream out) {
    this.s = s;
    this.plan = plan;
    this.output = s.output();
    this.configName = configName;
    this.fresh = fresh;
    this.out = out;
    this.name = plan.datasetName().isBlank() ? "ablation" : plan.datasetName();
  }

  /**
   * Trains what is missing (nothing with reportOnly), then writes the report to the output
   * directory and, when publish is not null, to publish as well. Returns the report's findings.
   */
  List<AblationReport.Finding> run(boolean reportOnly, String publish) {
    long t0 = System.nanoTime();
    AblationData.checkFilesExist(s.data(), plan, configName);
    data = AblationData.load(s.data(), plan);
    List<Cell> sweep = plan.sweepCells();
    Map<String, Double> placeholder = new LinkedHashMap<>(plan.lr());
    total =
        sweep.size()
            + plan.gridCells(placeholder).size()
            + plan.fullCells(placeholder).size()
            + plan.smallCells(placeholder).size();
    for (Cell c : sweep) remainingUnits += units(c);
    for (Cell c : plan.gridCells(placeholder)) remainingUnits += units(c);
    for (Cell c : plan.fullCells(placeholder)) remainingUnits += units(c);
    for (Cell c : plan.smallCells(placeholder)) remainingUnits += units(c);
    String engine = engineName();
    out.printf(
        "sparkmlp ablation: %s, %,d training and %,d CV rows, %d runs (sweep %d, grid %d, full data"
            + " %d, small sample %d); %s -> %s%n",
        name,
        data.train().rows,
        data.cv().rows,
        total,
        sweep.size(),
        plan.gridCells(placeholder).size(),
        plan.fullCells(placeholder).size(),
        plan.smallCells(placeholder).size(),
        engine,
        output);

    List<AblationResult> results = new ArrayList<>();
    try {
      if (s.engine().equals("spark") && !reportOnly) shared = SparkEngineFactory.create(s);
      List<AblationResult> sweepResults = runAll(sweep, reportOnly);
      results.addAll(sweepResults);
      Map<String, Double> rates = chooseRates(plan, sweepResults);
      if (plan.sweepSelect()) {
        List<String> chosen = new ArrayList<>();
        for (String o : plan.optimizers()) chosen.add(o + " " + Fmt.num(rates.get(o)));
        out.println(
            "sparkmlp ablation: learning rates from the sweep: " + String.join(", ", chosen));
      }
      results.addAll(runAll(plan.gridCells(rates), reportOnly));
      results.addAll(runAll(plan.fullCells(rates), reportOnly));
      results.addAll(runAll(plan.smallCells(rates), reportOnly));

      double wall = (System.nanoTime() - t0) / 1e9;
      AblationReport.Context ctx =
          new AblationReport.Context(
              name,
              configName,
              command(),
              shared != null ? shared.describe() : engine,
              rates,
              plan.sweepSelect(),
              data.train().rows,
              data.cv().rows,
              plan.full().epochs() > 0 ? data.fullTrain().rows : 0,
              plan.full().epochs() > 0 ? data.test().rows : 0,
              network(),
              wall,
              reused);
      List<AblationReport.Finding> findings = writeReport(output, results, ctx);
      if (publish != null) writeReport(publish, results, ctx);
      for (AblationReport.Finding f : findings) {
        out.printf("  [%s] %s%n", f.verdict(), f.claim());
      }
      out.printf(
          "sparkmlp ablation: %d runs in %s; report: %s%s%n",
          results.size(),
          AblationReport.duration(wall),
          Fs.resolve(output, "REPORT.md"),
          publish == null ? "" : " and " + Fs.resolve(publish, "REPORT.md"));
      return findings;
    } finally {
      if (shared != null) shared.close();
    }
  }

  private List<AblationReport.Finding> writeReport(
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
    String key = key(cell);
    String resultPath = Fs.resolve(dir, "result.json");
    double units = units(cell);
    AblationResult r = null;
    boolean wasReused = false;
    if (!fresh && Fs.exists(resultPath)) {
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
      out.printf("[%s] %-28s not trained yet (--report-only)%n", counter(), cell.id());
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
      try (Engine engine = cellEngine()) {
        r = AblationRun.train(s, cell, key, train, val, full ? "test set" : "CV set", engine, dir);
      }
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
            ? AblationReport.duration(remainingUnits * trainedSeconds / trainedUnits)
            : "?";
    out.printf(
        "[%s] %s  %s  %s  ETA %s%n",
        counter(),
        what,
        outcome,
        wasReused ? "(reused)" : AblationReport.duration(r.seconds()),
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

  /** A fresh local engine per run (its worker threads end with it); one Spark session for all. */
  private Engine cellEngine() {
    if (shared == null) return new LocalEngine(s.partitions(), s.threads());
    Engine e = shared;
    return new Engine() {
      @Override
      public GradientSource gradients(Network net, Block train, int batch, long seed, int epochs) {
        return e.gradients(net, train, batch, seed, epochs);
      }

      @Override
      public Evaluator evaluator(Network net, Block d, String what) {
        return e.evaluator(net, d, what);
      }

      @Override
      public String describe() {
        return e.describe();
      }

      @Override
      public void close() {
        // The run closes its own sources; the session stays for the next run.
      }
    };
  }

  private String engineName() {
    return s.engine().equals("spark")
        ? "spark " + s.str("train.master")
        : "local ("
            + s.partitions()
            + " shards, "
            + Math.min(s.threads(), s.partitions())
            + " threads)";
  }

  private String command() {
    return "scripts/sparkmlp ablation --config " + configName;
  }

  private String network() {
    Config c = s.config();
    String mlp = TrainRun.describe(s.network(data.train().features, data.train().targetWidth));
    String loss = c.getString("model.loss");
    String output = c.getString("model.output");
    String head =
        output.equalsIgnoreCase("auto") && loss.equalsIgnoreCase("cce")
            ? "softmax output with CCE"
            : output + " output with " + loss;
    return mlp
        + ", "
        + c.getString("model.activation")
        + " (α = "
        + c.getDouble("model.alpha")
        + ") hidden"
        + " activations, "
        + head;
  }

  /**
   * SHA-256 of everything that determines a run: the cell's settings, the model and training
   * sections (less where it runs), the data files and rows it reads, and the resolved shard count.
   */
  private String key(Cell cell) {
    Config c = AblationRun.settings(s, cell).config();
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("phase", cell.phase().label);
    extra.put("shards", s.partitions());
    Config k =
        c.withOnlyPath("model")
            .withFallback(
                c.withOnlyPath("train")
                    .withoutPath("train.engine")
                    .withoutPath("train.master")
                    .withoutPath("train.threads")
                    .withoutPath("train.partitions")
                    .withoutPath("train.evaluate-train")
                    .withoutPath("train.checkpoint-every")
                    .withoutPath("train.resume"))
            .withFallback(
                c.withOnlyPath("data")
                    .withoutPath("data.test")
                    .withoutPath("data.test-labels")
                    .withoutPath("data.validation-split"))
            .withFallback(c.withOnlyPath("ablation.cv-offset"))
            .withFallback(c.withOnlyPath("ablation.cv-rows"))
            .withFallback(ConfigFactory.parseMap(extra));
    if (cell.phase() == Phase.FULL) {
      k =
          k.withFallback(c.withOnlyPath("data.test"))
              .withFallback(c.withOnlyPath("data.test-labels"))
              .withFallback(c.withOnlyPath("ablation.full-data.train-rows"))
              .withFallback(c.withOnlyPath("ablation.full-data.extra-train"));
    }
    if (cell.phase() == Phase.SMALL || cell.phase() == Phase.RANDOM) {
      // Whether the rows' labels are permuted (and by which seed) decides what is trained.
      Map<String, Object> labels = new LinkedHashMap<>();
      labels.put("ablation.small-sample.random-labels", cell.phase() == Phase.RANDOM);
      k =
          k.withFallback(c.withOnlyPath("ablation.small-sample.rows"))
              .withFallback(ConfigFactory.parseMap(labels))
              .withFallback(c.withOnlyPath("ablation.seeds"));
    }
    String text = k.root().render(ConfigRenderOptions.concise());
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}

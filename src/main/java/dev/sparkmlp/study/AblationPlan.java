package dev.sparkmlp.study;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.optim.OptimizerSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code ablation.*} keys of a configuration, checked, and the runs they describe. The network,
 * the batch size, the grid's epochs and the data files come from the usual model, train and data
 * sections, so an ablation config reads like a training config plus the grid.
 *
 * <p>Phases, in the order they run: the learning-rate sweep (he_uniform, lambda 0, the first seed),
 * the grid (optimizer x init x lambda x seed), the full-data runs scored on the test set, and the
 * small-sample runs (lambda and dropout on a few training rows).
 */
record AblationPlan(
    String datasetName,
    String paper,
    List<String> optimizers,
    List<String> inits,
    List<Double> lambdas,
    List<Long> seeds,
    Map<String, Double> lr,
    List<Double> sweepRates,
    int sweepEpochs,
    boolean sweepSelect,
    int epochs,
    int batch,
    int trainOffset,
    int trainRows,
    int cvOffset,
    int cvRows,
    FullData full,
    SmallSample small) {

  static final List<String> PAPERS = List.of("mnist", "fashion", "cifar", "none");

  /** The sweep's fixed setting: the paper's working initialisation, no penalty. */
  static final String SWEEP_INIT = "he_uniform";

  /**
   * @param epochs 0 = no full-data runs
   * @param trainRows rows of data.train from its first row; 0 = all
   * @param extraTrain more training files appended after data.train (CIFAR-10's five batches)
   * @param targetOptimizer the run whose test accuracy the report checks against target
   * @param target the test accuracy the report checks; 0 = no check
   */
  record FullData(
      int epochs,
      List<String> optimizers,
      String init,
      double lambda,
      List<Long> seeds,
      int trainRows,
      List<String> extraTrain,
      String targetOptimizer,
      double target) {}

  /**
   * @param rows the first rows of the grid's training range; 0 = no small-sample runs
   * @param randomLabels also run the variants on a copy of the rows with permuted labels, where
   *     anything learned is memorised
   */
  record SmallSample(
      int rows,
      int epochs,
      String optimizer,
      String init,
      List<Double> lambdas,
      List<Double> dropouts,
      boolean randomLabels) {}

  /** One training run of the study. */
  record Cell(
      String id,
      Phase phase,
      String optimizer,
      double lr,
      String init,
      double lambda,
      double dropout,
      long seed,
      int epochs) {

    Cell withLr(double rate) {
      return new Cell(id, phase, optimizer, rate, init, lambda, dropout, seed, epochs);
    }

    /** The config keys this run overrides. */
    Map<String, Object> overrides() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("train.optimizer.name", optimizer);
      m.put("train.optimizer.lr", lr);
      m.put("model.init", init);
      m.put("train.l2", lambda);
      m.put("model.dropout", dropout);
      m.put("train.seed", seed);
      m.put("train.epochs", epochs);
      m.put("train.early-stopping.patience", 0);
      return m;
    }
  }

  enum Phase {
    SWEEP("sweep"),
    GRID("grid"),
    FULL("full-data"),
    SMALL("small-sample"),
    RANDOM("random-labels");

    final String label;

    Phase(String label) {
      this.label = label;
    }
  }

  /** Reads and checks the ablation section of c; the host reads the data and train sections. */
  static AblationPlan of(Config c, StudyHost host) {
    try {
      List<String> optimizers = names(c, "ablation.optimizers");
      for (String o : optimizers) optimizer(c, "ablation.optimizers", o);
      List<String> inits = new ArrayList<>();
      for (String i : names(c, "ablation.inits")) inits.add(init(c, "ablation.inits", i));
      List<Double> lambdas = c.getDoubleList("ablation.lambdas");
      if (lambdas.isEmpty()) throw fail(c, "ablation.lambdas", "must not be empty");
      for (double l : lambdas)
        if (!(l >= 0)) throw fail(c, "ablation.lambdas", "must be >= 0: " + l);
      List<Long> seeds = c.getLongList("ablation.seeds");
      if (seeds.isEmpty()) throw fail(c, "ablation.seeds", "must not be empty");
      if (seeds.stream().distinct().count() != seeds.size()) {
        throw fail(c, "ablation.seeds", "must not repeat a seed: " + seeds);
      }
      String paper = c.getString("ablation.paper").toLowerCase(Locale.ROOT);
      if (!PAPERS.contains(paper))
        throw fail(c, "ablation.paper", "must be one of " + PAPERS + ": " + paper);

      List<Double> rates = c.getDoubleList("ablation.lr-sweep.rates");
      for (double r : rates)
        if (!(r > 0)) throw fail(c, "ablation.lr-sweep.rates", "must be positive: " + r);
      int sweepEpochs = c.getInt("ablation.lr-sweep.epochs");
      if (!rates.isEmpty() && sweepEpochs <= 0)
        throw fail(c, "ablation.lr-sweep.epochs", "must be positive");
      boolean select = c.getBoolean("ablation.lr-sweep.select") && !rates.isEmpty();

      int trainOffset = c.getInt("data.train-offset");
      int trainRows = c.getInt("data.train-rows");
      if (trainRows <= 0) {
        throw fail(
            c, "data.train-rows", "must be set for an ablation (the paper trains on 10000 rows)");
      }
      int cvOffset = c.getInt("ablation.cv-offset");
      int cvRows = c.getInt("ablation.cv-rows");
      if (cvOffset < 0 || cvRows < 0)
        throw fail(c, "ablation.cv-offset", "and cv-rows must not be negative");
      boolean sameFile = c.getString("data.validation").isBlank();
      if (sameFile
          && cvOffset < trainOffset + trainRows
          && (cvRows == 0 || cvOffset + cvRows > trainOffset)) {
        throw fail(
            c,
            "ablation.cv-offset",
            "the CV rows ["
                + cvOffset
                + ", "
                + (cvRows == 0 ? "end" : cvOffset + cvRows)
                + ") overlap the training rows ["
                + trainOffset
                + ", "
                + (trainOffset + trainRows)
                + ") of data.train");
      }

      Map<String, Double> lr = new LinkedHashMap<>();
      List<String> all = new ArrayList<>(optimizers);
      List<String> fullOpts = names(c, "ablation.full-data.optimizers");
      for (String o : fullOpts) optimizer(c, "ablation.full-data.optimizers", o);
      all.addAll(fullOpts);
      String smallOpt =
          c.getString("ablation.small-sample.optimizer").trim().toLowerCase(Locale.ROOT);
      optimizer(c, "ablation.small-sample.optimizer", smallOpt);
      all.add(smallOpt);
      for (String o : all) {
        double r = c.getDouble("ablation.lr." + o);
        if (!(r > 0)) throw fail(c, "ablation.lr." + o, "must be positive: " + r);
        lr.put(o, r);
      }

      int fullEpochs = c.getInt("ablation.full-data.epochs");
      if (fullEpochs < 0) throw fail(c, "ablation.full-data.epochs", "must not be negative");
      if (fullEpochs > 0 && !host.data(c).hasTest()) {
        throw fail(
            c, "ablation.full-data.epochs", "needs a test set (data.test) to score the runs on");
      }
      List<Long> fullSeeds = c.getLongList("ablation.full-data.seeds");
      if (fullEpochs > 0 && (fullSeeds.isEmpty() || fullOpts.isEmpty())) {
        throw fail(c, "ablation.full-data.seeds", "and full-data.optimizers must not be empty");
      }
      String target = c.getString("ablation.full-data.target-optimizer").toLowerCase(Locale.ROOT);
      double targetAcc = c.getDouble("ablation.full-data.target");
      if (fullEpochs > 0 && targetAcc > 0 && !fullOpts.contains(target)) {
        throw fail(
            c,
            "ablation.full-data.target-optimizer",
            "'" + target + "' is not one of ablation.full-data.optimizers " + fullOpts);
      }
      FullData full =
          new FullData(
              fullEpochs,
              fullOpts,
              init(c, "ablation.full-data.init", c.getString("ablation.full-data.init")),
              nonNegative(c, "ablation.full-data.lambda"),
              fullSeeds,
              c.getInt("ablation.full-data.train-rows"),
              c.getStringList("ablation.full-data.extra-train"),
              target,
              targetAcc);

      int smallRows = c.getInt("ablation.small-sample.rows");
      if (smallRows < 0 || smallRows > trainRows) {
        throw fail(
            c,
            "ablation.small-sample.rows",
            "must be in [0, data.train-rows = " + trainRows + "]: " + smallRows);
      }
      List<Double> smallDropouts = c.getDoubleList("ablation.small-sample.dropouts");
      for (double d : smallDropouts) {
        if (!(d > 0 && d < 1))
          throw fail(c, "ablation.small-sample.dropouts", "must be in (0, 1): " + d);
      }
      List<Double> smallLambdas = c.getDoubleList("ablation.small-sample.lambdas");
      for (double l : smallLambdas) {
        if (!(l >= 0)) throw fail(c, "ablation.small-sample.lambdas", "must be >= 0: " + l);
      }
      int smallEpochs = c.getInt("ablation.small-sample.epochs");
      if (smallRows > 0 && smallEpochs <= 0)
        throw fail(c, "ablation.small-sample.epochs", "must be positive");
      SmallSample small =
          new SmallSample(
              smallRows,
              smallEpochs,
              smallOpt,
              init(c, "ablation.small-sample.init", c.getString("ablation.small-sample.init")),
              smallLambdas,
              smallDropouts,
              c.getBoolean("ablation.small-sample.random-labels"));

      int epochs = c.getInt("train.epochs");
      if (epochs <= 0) throw fail(c, "train.epochs", "must be positive");
      return new AblationPlan(
          c.getString("ablation.dataset-name"),
          paper,
          optimizers,
          inits,
          lambdas,
          seeds,
          lr,
          rates,
          sweepEpochs,
          select,
          epochs,
          host.batchSize(c),
          trainOffset,
          trainRows,
          cvOffset,
          cvRows,
          full,
          small);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** The sweep: every optimizer at every rate, he_uniform, lambda 0, the first seed. */
  List<Cell> sweepCells() {
    List<Cell> cells = new ArrayList<>();
    for (String o : optimizers) {
      for (double r : sweepRates) {
        cells.add(
            new Cell(
                "sweep-" + o + "-lr" + Fmt.num(r),
                Phase.SWEEP,
                o,
                r,
                SWEEP_INIT,
                0,
                0,
                seeds.get(0),
                sweepEpochs));
      }
    }
    return cells;
  }

  /** The grid with the given rate per optimizer, ordered init, lambda, optimizer, seed. */
  List<Cell> gridCells(Map<String, Double> rates) {
    List<Cell> cells = new ArrayList<>();
    for (String i : inits) {
      for (double l : lambdas) {
        for (String o : optimizers) {
          for (long seed : seeds) {
            cells.add(
                new Cell(
                    "grid-" + o + "-" + i + "-l" + Fmt.num(l) + "-s" + seed,
                    Phase.GRID,
                    o,
                    rates.get(o),
                    i,
                    l,
                    0,
                    seed,
                    epochs));
          }
        }
      }
    }
    return cells;
  }

  List<Cell> fullCells(Map<String, Double> rates) {
    List<Cell> cells = new ArrayList<>();
    if (full.epochs() == 0) return cells;
    for (String o : full.optimizers()) {
      for (long seed : full.seeds()) {
        cells.add(
            new Cell(
                "full-" + o + "-s" + seed,
                Phase.FULL,
                o,
                rates.get(o),
                full.init(),
                full.lambda(),
                0,
                seed,
                full.epochs()));
      }
    }
    return cells;
  }

  /**
   * Each lambda without dropout, then each dropout without lambda, on the true labels; then, with
   * random-labels, the same on the permuted labels.
   */
  List<Cell> smallCells(Map<String, Double> rates) {
    List<Cell> cells = new ArrayList<>();
    if (small.rows() == 0) return cells;
    List<double[]> variants = new ArrayList<>();
    for (double l : small.lambdas()) variants.add(new double[] {l, 0});
    for (double d : small.dropouts()) variants.add(new double[] {0, d});
    for (Phase phase :
        small.randomLabels() ? List.of(Phase.SMALL, Phase.RANDOM) : List.of(Phase.SMALL)) {
      for (double[] v : variants) {
        for (long seed : seeds) {
          cells.add(smallCell(phase, v, seed, rates));
        }
      }
    }
    return cells;
  }

  private Cell smallCell(Phase phase, double[] v, long seed, Map<String, Double> rates) {
    String prefix = phase == Phase.RANDOM ? "random" : "small";
    return new Cell(
        prefix + "-l" + Fmt.num(v[0]) + "-d" + Fmt.num(v[1]) + "-s" + seed,
        phase,
        small.optimizer(),
        rates.get(small.optimizer()),
        small.init(),
        v[0],
        v[1],
        seed,
        small.epochs());
  }

  private static List<String> names(Config c, String key) {
    List<String> out = new ArrayList<>();
    for (String v : c.getStringList(key)) out.add(v.trim().toLowerCase(Locale.ROOT));
    if (out.isEmpty()) throw fail(c, key, "must not be empty");
    if (out.stream().distinct().count() != out.size())
      throw fail(c, key, "must not repeat a name: " + out);
    return out;
  }

  private static void optimizer(Config c, String key, String name) {
    if (!OptimizerSpec.NAMES.contains(name)) {
      throw fail(
          c,
          key,
          "'" + name + "' is not an optimizer (" + String.join(", ", OptimizerSpec.NAMES) + ")");
    }
  }

  private static String init(Config c, String key, String name) {
    try {
      return Init.parse(name).key();
    } catch (IllegalArgumentException e) {
      throw fail(c, key, e.getMessage());
    }
  }

  private static double nonNegative(Config c, String key) {
    double v = c.getDouble(key);
    if (!(v >= 0)) throw fail(c, key, "must be >= 0: " + v);
    return v;
  }

  private static IllegalArgumentException fail(Config c, String key, String message) {
    String where = c.hasPath(key) ? c.getValue(key).origin().description() + ": " : "";
    return new IllegalArgumentException(where + key + " " + message);
  }
}

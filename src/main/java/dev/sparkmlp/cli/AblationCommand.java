package dev.sparkmlp.cli;

import com.typesafe.config.Config;
import dev.sparkmlp.data.Block;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.nn.OutputMetric;
import dev.sparkmlp.study.AblationStudy;
import dev.sparkmlp.study.Compute;
import dev.sparkmlp.study.StudyHost;
import dev.sparkmlp.train.DataSpec;
import dev.sparkmlp.train.Evaluator;
import dev.sparkmlp.train.GradientSource;
import dev.sparkmlp.train.TrainConfig;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sparkmlp ablation}: the optimizer x initialisation x L2 study of Okoma (2025) with its
 * extensions ({@link AblationStudy}), from one config (conf/ablation-mnist.conf,
 * ablation-fashion.conf, ablation-cifar.conf; the keys are in the ablation section of
 * conf/reference.conf). This class only reads the options and gives the study the CLI's config
 * reader and engines.
 */
@Command(
    name = "ablation",
    mixinStandardHelpOptions = true,
    description = {
      "Run the optimizer x initialisation x L2 ablation study and write its report.",
      "Writes cells/<run>/ (metrics.jsonl, result.json), results.csv, summary.csv, history.csv,"
          + " table.md, figures/*.png and REPORT.md to the output directory. Runs whose"
          + " result.json matches the current settings are reused, so an interrupted study"
          + " continues where it stopped."
    })
final class AblationCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Option(
      names = "--fresh",
      description = "Retrain every run, even those with a matching result.json.")
  boolean fresh;

  @Option(
      names = "--report-only",
      description = "Train nothing; write the report from the runs already finished.")
  boolean reportOnly;

  @Option(
      names = "--from",
      paramLabel = "DIR",
      description =
          "Train nothing; read the results from a published report's results.csv and history.csv"
              + " in DIR (e.g. docs/ablation/mnist) and write the report from them.")
  String from;

  @Option(
      names = "--publish",
      paramLabel = "DIR",
      description =
          "Also write the report, tables and figures (not the per-run files) to DIR, e.g."
              + " docs/ablation/mnist.")
  String publish;

  @Override
  public Integer call() {
    Settings s = common.load();
    String configName = common.config == null ? "conf/reference.conf" : common.config.getPath();
    try (Host host = new Host(s)) {
      AblationStudy study = new AblationStudy(s.config(), host, configName, fresh, System.out);
      if (from != null) study.from(from);
      study.run(reportOnly, publish);
    }
    return 0;
  }

  /**
   * The CLI's side of the study: {@link Settings} reads each run's config, and runs compute on a
   * fresh local engine each (its worker threads end with the run) or on one Spark session for all,
   * started when the first run trains.
   */
  static final class Host implements StudyHost, AutoCloseable {
    private final Settings s;
    private Engine spark;

    Host(Settings s) {
      this.s = s;
    }

    @Override
    public DataSpec data(Config c) {
      return new Settings(c).data();
    }

    @Override
    public NetworkSpec network(Config c, int inputs, int outputs) {
      return new Settings(c).network(inputs, outputs);
    }

    @Override
    public TrainConfig train(Config c, int stepsPerEpoch) {
      return new Settings(c).train(stepsPerEpoch);
    }

    @Override
    public int batchSize(Config c) {
      return new Settings(c).batchSize();
    }

    @Override
    public int shards() {
      return s.partitions();
    }

    @Override
    public Compute compute() {
      if (!s.engine().equals("spark")) return adapt(new LocalEngine(s.partitions(), s.threads()), true);
      if (spark == null) spark = SparkEngineFactory.create(s);
      return adapt(spark, false);
    }

    @Override
    public String describe() {
      if (spark != null) return spark.describe();
      return s.engine().equals("spark")
          ? "spark " + s.str("train.master")
          : "local (" + s.partitions() + " shards, " + Math.min(s.threads(), s.partitions())
              + " threads)";
    }

    /** The study's view of an engine; closing it closes the engine only when it is the run's own. */
    private static Compute adapt(Engine e, boolean own) {
      return new Compute() {
        @Override
        public GradientSource gradients(Network net, Block train, int batch, long seed,
            int epochs) {
          return e.gradients(net, train, batch, seed, epochs);
        }

        @Override
        public Evaluator evaluator(Network net, Block data, String what,
            List<? extends OutputMetric> metrics) {
          return e.evaluator(net, data, what, metrics);
        }

        @Override
        public void close() {
          // The run closes its own sources and evaluators; a shared Spark session stays.
          if (own) e.close();
        }
      };
    }

    @Override
    public void close() {
      if (spark != null) spark.close();
    }
  }
}

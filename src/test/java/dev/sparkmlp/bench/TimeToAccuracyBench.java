package dev.sparkmlp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Time to a test accuracy on MNIST, engine against engine, in one run.
 *
 * <pre>
 * our engines: each run is `sparkmlp train` in a JVM of its own (cluster: through scripts/submit),
 *              with the test set as the validation set and train.stop-at.metric = val_acc, so
 *              the test accuracy is measured after every epoch and training ends at the first
 *              epoch that reaches the target.
 *              time to accuracy = load_seconds + seconds_to_target of its summary.json:
 *              reading, scaling and shipping the data, then every epoch up to the target with
 *              its steps and its test-set evaluation. Not counted: JVM and Spark session start
 *              (reported as startup), and the writing of the outputs.
 * MLlib MLPC:  each configuration of --mlpc fitted once, in this JVM (see MlpcSearch);
 *              time = load + fit, for a model whose test accuracy reaches the target.
 * </pre>
 *
 * Runs go round by round; in each round every run of --runs goes once, in an order that rotates
 * from round to round, so that all see the same machine. Each figure is the median over the
 * rounds, with its min and max; the ratios are of medians, and also per round (paired).
 *
 * <p>With {@code --seeds S1,S2,...} it instead trains {@code --config} once per seed for its
 * configured epochs, on {@code --engine}, and reports the final test accuracy and the first epoch
 * at the target per seed (time-to-accuracy-seeds.json).
 */
public final class TimeToAccuracyBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One kind of run: a name, an engine (local, spark, cluster) and a config file. */
  record RunSpec(String name, String engine, String config) {
    static RunSpec parse(String s) {
      String[] kv = s.split("=", 2);
      String[] f = kv.length == 2 ? kv[1].split(":", 2) : new String[0];
      if (f.length != 2 || !List.of("local", "spark", "cluster").contains(f[0])
          || !kv[0].matches("[A-Za-z0-9_.-]+")) {
        throw new IllegalArgumentException("run '" + s + "': want name=engine:config with engine"
            + " local, spark or cluster, e.g. spark=spark:conf/mnist-spark.conf");
      }
      return new RunSpec(kv[0], f[0], f[1]);
    }
  }

  /** What one training run reported. */
  /**
   * @param tta load plus seconds to target; NaN when not reached
   * @param train the run's own wall time (summary.json "seconds")
   * @param wall the process's, JVM start and output writing included
   */
  record Outcome(boolean reached, double tta, double load, double startup, int epochs, long steps,
      double accuracy, double train, double wall, String loadavg) {}

  private final Path repo = Path.of("").toAbsolutePath();
  private final Path runs = Path.of(System.getProperty("sparkmlp.benchDir", "target/bench"))
      .toAbsolutePath().resolve("tta-runs");
  private String master = "local[2]";
  private String cluster = "";
  private String data = "data/mnist";
  private double target = 0.97;
  private final List<String> sets = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    new TimeToAccuracyBench().run(args);
  }

  private void run(String[] args) throws Exception {
    int rounds = 3;
    List<RunSpec> specs = new ArrayList<>(List.of(
        RunSpec.parse("local-mnist=local:conf/mnist.conf"),
        RunSpec.parse("local-mnist-spark=local:conf/mnist-spark.conf"),
        RunSpec.parse("spark-mnist-spark=spark:conf/mnist-spark.conf")));
    String mlpc = "l-bfgs:128:75,l-bfgs:128:100,l-bfgs:256:100,gd:128:100:1.0";
    String mlpcMaster = "local[2]";
    List<Long> seeds = List.of();
    String config = "conf/mnist-spark.conf";
    String engine = "spark";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--runs" -> specs = Arrays.stream(args[++i].split(",")).map(RunSpec::parse)
            .collect(java.util.stream.Collectors.toCollection(ArrayList::new));
        case "--cluster" -> cluster = args[++i];
        case "--master" -> master = args[++i];
        case "--mlpc" -> mlpc = args[++i];
        case "--mlpc-master" -> mlpcMaster = args[++i];
        case "--target" -> target = Double.parseDouble(args[++i]);
        case "--data" -> data = args[++i];
        case "--set" -> sets.add(args[++i]);
        case "--seeds" -> seeds = Arrays.stream(args[++i].split(",")).map(String::trim)
            .map(Long::valueOf).toList();
        case "--config" -> config = args[++i];
        case "--engine" -> engine = args[++i];
        default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--rounds N,"
            + " --runs name=engine:config,..., --cluster spark://HOST:PORT, --master M,"
            + " --mlpc cfg,...|none, --mlpc-master M, --target 0.97, --data DIR,"
            + " --set key=value, --seeds S1,S2 [--config F] [--engine local|spark])");
      }
    }
    if (!seeds.isEmpty()) {
      seeds(seeds, new RunSpec("seeds", engine, config));
      return;
    }
    if (!cluster.isEmpty() && specs.stream().noneMatch(s -> s.engine.equals("cluster"))) {
      specs.add(RunSpec.parse("cluster-mnist-spark=cluster:conf/mnist-spark.conf"));
    }
    if (cluster.isEmpty() && specs.stream().anyMatch(s -> s.engine.equals("cluster"))) {
      throw new IllegalArgumentException("a cluster run needs --cluster spark://HOST:PORT");
    }

    BenchReport report = new BenchReport("time-to-accuracy");
    info(report);
    report.info("protocol", "our engines: sparkmlp train in a JVM of its own per run, test set as"
        + " the validation set, stop at the first epoch with val_acc >= " + target
        + "; time = load_seconds + seconds_to_target (data read+ship, epochs with their"
        + " test evaluations; JVM/Spark start not counted); " + rounds + " rounds, rotating order");
    for (RunSpec s : specs) {
      report.info("run " + s.name, s.engine + (s.engine.equals("spark") ? " " + master
          : s.engine.equals("cluster") ? " " + cluster : "") + ", " + s.config);
    }
    Map<String, List<Outcome>> outcomes = new LinkedHashMap<>();
    for (RunSpec s : specs) outcomes.put(s.name, new ArrayList<>());
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < specs.size(); k++) {
        RunSpec s = specs.get((k + r) % specs.size());
        Outcome o = train(s, r + 1, 42, true);
        outcomes.get(s.name).add(o);
        System.out.printf("# round %d %-18s %s%n", r + 1, s.name, line(o));
      }
    }
    Map<String, Double> medians = new LinkedHashMap<>();
    for (RunSpec s : specs) {
      List<Outcome> os = outcomes.get(s.name);
      double[] t = os.stream().mapToDouble(o -> o.reached ? o.tta : Double.NaN).toArray();
      double med = median(t);
      medians.put(s.name, med);
      report.add("tta_" + s.name + "_s", med, "s", "median of " + Arrays.toString(round(t))
          + "; epochs " + os.stream().map(o -> String.valueOf(o.epochs)).toList() + ", steps "
          + os.get(0).steps + ", test accuracy " + os.stream()
              .map(o -> String.format("%.4f", o.accuracy)).toList() + ", load " + Arrays.toString(
                  round(os.stream().mapToDouble(o -> o.load).toArray())) + " s, startup "
          + Arrays.toString(round(os.stream().mapToDouble(o -> o.startup).toArray())) + " s,"
          + " load average " + os.stream().map(o -> o.loadavg).toList());
      report.add("tta_" + s.name + "_min_s", min(t), "s");
      report.add("tta_" + s.name + "_max_s", max(t), "s");
    }
    // The local engine's figure is its best configuration's.
    String bestLocal = null;
    for (RunSpec s : specs) {
      if (s.engine.equals("local") && !Double.isNaN(medians.get(s.name))
          && (bestLocal == null || medians.get(s.name) < medians.get(bestLocal))) {
        bestLocal = s.name;
      }
    }
    double local = bestLocal == null ? Double.NaN : medians.get(bestLocal);
    double spark = bestOf(specs, medians, "spark");
    double clusterS = bestOf(specs, medians, "cluster");
    report.add("tta_local_s", local, "s", "the local engine's best run: " + bestLocal);
    report.add("tta_spark_s", spark, "s", "Spark " + master);
    if (!cluster.isEmpty()) report.add("tta_cluster_s", clusterS, "s", "cluster " + cluster);
    report.add("ratio_spark_over_local", spark / local, "x", "goal <= 1.5; per round "
        + paired(specs, outcomes, "spark", bestLocal));
    if (!cluster.isEmpty()) {
      report.add("ratio_cluster_over_local", clusterS / local, "x", "goal <= 3; per round "
          + paired(specs, outcomes, "cluster", bestLocal));
    }

    // Written now as well, so that the engines' figures survive a long MLPC search cut short.
    report.write();
    if (!mlpc.equals("none")) {
      List<MlpcSearch.Config> configs = Arrays.stream(mlpc.split(","))
          .map(MlpcSearch.Config::parse).toList();
      double best = mlpc(report, configs, mlpcMaster);
      report.add("tta_mlpc_s", best, "s", "MLPC's fastest configuration at >= " + target
          + " (NaN: none reached it)");
      report.add("ratio_mlpc_over_spark", best / spark, "x", "goal >= 10");
    }
    report.write();
  }

  private static double bestOf(List<RunSpec> specs, Map<String, Double> medians, String engine) {
    double best = Double.NaN;
    for (RunSpec s : specs) {
      double m = medians.get(s.name);
      if (s.engine.equals(engine) && !Double.isNaN(m) && !(m >= best)) best = m;
    }
    return best;
  }

  /** Round-by-round ratios of the first run of {@code engine} over the local run {@code local}. */
  private static String paired(List<RunSpec> specs, Map<String, List<Outcome>> outcomes,
      String engine, String local) {
    RunSpec s = specs.stream().filter(x -> x.engine.equals(engine)).findFirst().orElse(null);
    if (s == null || local == null) return "[]";
    List<Outcome> a = outcomes.get(s.name);
    List<Outcome> b = outcomes.get(local);
    double[] r = new double[a.size()];
    for (int i = 0; i < r.length; i++) r[i] = a.get(i).tta / b.get(i).tta;
    return Arrays.toString(round(r)) + " (" + s.name + " / " + local + ")";
  }

  private double mlpc(BenchReport report, List<MlpcSearch.Config> configs, String mlpcMaster) {
    SparkConf conf = new SparkConf().setAppName("mlpc-bench").setMaster(mlpcMaster)
        .set("spark.ui.enabled", "false").set("spark.log.level", "WARN");
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    try {
      report.info("mlpc", "MultilayerPerceptronClassifier on " + mlpcMaster + ", seed 42,"
          + " time = spark.read.parquet + cache + fit; " + MlpcSearch.blas()
          + "; OPENBLAS_NUM_THREADS=" + env("OPENBLAS_NUM_THREADS")
          + ", OPENBLAS_CORETYPE=" + env("OPENBLAS_CORETYPE"));
      double best = Double.NaN;
      Path work = Path.of(System.getProperty("sparkmlp.benchDir", "target/bench"), "mlpc-data");
      for (MlpcSearch.Result r : MlpcSearch.run(spark, data, work, configs, 42)) {
        String n = "mlpc_" + r.config().name();
        report.add(n + "_s", r.seconds(), "s", String.format("load %.2f s + fit %.2f s",
            r.loadSeconds(), r.fitSeconds()));
        report.add(n + "_acc", r.accuracy(), "fraction");
        if (r.accuracy() >= target && !(r.seconds() >= best)) best = r.seconds();
      }
      return best;
    } finally {
      spark.stop();
    }
  }

  private static String env(String name) {
    return System.getenv().getOrDefault(name, "unset");
  }

  /** Item 2: the config's final test accuracy, and its first epoch at the target, per seed. */
  private void seeds(List<Long> seeds, RunSpec spec) throws Exception {
    BenchReport report = new BenchReport("time-to-accuracy-seeds");
    info(report);
    report.info("run", spec.engine + (spec.engine.equals("spark") ? " " + master : "") + ", "
        + spec.config + ", its own epochs, test set as the validation set (no stop)");
    double[] acc = new double[seeds.size()];
    for (int i = 0; i < acc.length; i++) {
      long seed = seeds.get(i);
      Outcome o = train(spec, i + 1, seed, false);
      acc[i] = o.accuracy;
      int first = firstEpoch(runs.resolve(spec.name + "-r" + (i + 1)));
      report.add("acc_seed" + seed, o.accuracy, "fraction", "after " + o.epochs + " epochs, "
          + String.format("a %.1f s run", o.train) + "; first epoch at " + target + ": "
          + (first > 0 ? first : "none"));
      report.add("epochs_to_target_seed" + seed, first > 0 ? first : Double.NaN, "epochs");
    }
    report.add("acc_min", min(acc), "fraction");
    report.add("acc_mean", Arrays.stream(acc).average().orElse(Double.NaN), "fraction");
    report.add("acc_max", max(acc), "fraction");
    report.write();
  }

  /** The first epoch of a run's metrics.jsonl whose test (validation) accuracy reaches target. */
  private int firstEpoch(Path out) throws IOException {
    for (String l : Files.readAllLines(out.resolve("metrics.jsonl"))) {
      JsonNode m = JSON.readTree(l);
      if (m.get("val_accuracy").asDouble() >= target) return m.get("epoch").asInt();
    }
    return 0;
  }

  /**
   * One `sparkmlp train` in a JVM of its own. With {@code stop}, training stops at the first epoch
   * at the target, and misses it when the config's epochs end first (its schedule may depend on
   * them, so they are left as they are); without, it runs all the config's epochs.
   */
  private Outcome train(RunSpec s, int round, long seed, boolean stop) throws Exception {
    Path out = runs.resolve(s.name + "-r" + round);
    Files.createDirectories(out);
    List<String> trainArgs = new ArrayList<>(List.of("train", "--config", s.config, "--output",
        out.toString(), "--set", "train.seed=" + seed,
        "--set", "data.validation=" + data + "/t10k-images-idx3-ubyte.gz",
        "--set", "data.validation-labels=" + data + "/t10k-labels-idx1-ubyte.gz"));
    if (stop) {
      trainArgs.addAll(List.of("--set", "train.stop-at.metric=val_acc",
          "--set", "train.stop-at.value=" + target));
    }
    for (String kv : sets) trainArgs.addAll(List.of("--set", kv));
    List<String> cmd = new ArrayList<>();
    if (s.engine.equals("cluster")) {
      cmd.addAll(List.of(repo.resolve("scripts/submit").toString(), "--master", cluster,
          "--conf", "spark.ui.enabled=false",
          "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0"));
      cmd.addAll(trainArgs);
    } else {
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent")) cmd.add(a);
      }
      cmd.addAll(List.of("-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"),
          "dev.sparkmlp.cli.Main"));
      cmd.addAll(trainArgs);
      if (s.engine.equals("spark")) cmd.addAll(List.of("--engine", "spark", "--master", master));
      else cmd.addAll(List.of("--engine", "local"));
    }
    String loadavg = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).directory(repo.toFile())
        .redirectErrorStream(true).redirectOutput(new File(out + ".log")).start();
    int code = p.waitFor();
    double wall = (System.nanoTime() - t0) / 1e9;
    if (code != 0) {
      throw new IllegalStateException(s.name + " round " + round + " failed (exit " + code
          + "); see " + out + ".log");
    }
    JsonNode sum = JSON.readTree(out.resolve("summary.json").toFile());
    boolean reached = stop && sum.get("reached_target").asBoolean();
    double load = sum.get("load_seconds").asDouble();
    return new Outcome(reached,
        reached ? load + sum.get("seconds_to_target").asDouble() : Double.NaN, load,
        sum.get("startup_seconds").asDouble(), sum.get("epochs").asInt(),
        reached ? sum.get("steps_to_target").asLong() : -1,
        sum.get("test_accuracy").asDouble(), sum.get("seconds").asDouble(), wall, loadavg);
  }

  private static String line(Outcome o) {
    return String.format("%s tta %.2fs (load %.2fs) epochs %d steps %d test acc %.4f; startup"
        + " %.1fs, process %.1fs, load average %s", o.reached ? "reached" : "NOT reached", o.tta,
        o.load, o.epochs, o.steps, o.accuracy, o.startup, o.wall, o.loadavg);
  }

  private void info(BenchReport report) throws IOException {
    String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
        .filter(l -> l.startsWith("model name")).findFirst().map(l -> l.split(":", 2)[1].trim())
        .orElse("unknown");
    report.info("machine", cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores");
    report.info("jvm", System.getProperty("java.vm.name") + " "
        + System.getProperty("java.vm.version"));
    report.info("data", data + ", test accuracy target " + target);
    if (!sets.isEmpty()) report.info("sets", String.join(" ", sets));
  }

  private static double[] round(double[] a) {
    return Arrays.stream(a).map(v -> Math.round(v * 100) / 100.0).toArray();
  }

  /** Median of the finite values; NaN when a value is NaN (a run that missed the target). */
  private static double median(double[] a) {
    if (Arrays.stream(a).anyMatch(Double::isNaN) || a.length == 0) return Double.NaN;
    double[] s = a.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double min(double[] a) {
    return Arrays.stream(a).min().orElse(Double.NaN);
  }

  private static double max(double[] a) {
    return Arrays.stream(a).max().orElse(Double.NaN);
  }
}

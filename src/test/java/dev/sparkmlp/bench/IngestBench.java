package dev.sparkmlp.bench;

import dev.sparkmlp.data.Task;
import dev.sparkmlp.math.Rng;
import dev.sparkmlp.nn.Activation;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.nn.Loss;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.spark.FileData;
import dev.sparkmlp.spark.SparkGradients;
import dev.sparkmlp.spark.SparkMlpKryoRegistrator;
import dev.sparkmlp.train.DataSpec;
import dev.sparkmlp.train.Datasets;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Rows per second from a file to the cached training blocks of a Spark run, by the two paths the
 * CLI has, on the same files in one run:
 *
 * <ul>
 *   <li>driver: {@code train.Datasets.load} reads and scales the file on the driver, then
 *       {@code SparkGradients} ships the rows to the executors and caches them (what
 *       {@code --engine spark} does for idx and cifar);
 *   <li>executor: {@code spark.FileData.load} has the executors read the file with Spark, fit the
 *       scaler there and cache the scaled shards (what it does for csv, libsvm, parquet and orc).
 * </ul>
 *
 * Both end with the same training shards cached (standard scaling, {@code --partitions} shards,
 * the same seed). Each round times every path once, in an order that rotates from round to
 * round, after one warm-up round; the figure is the median over the rounds. Parquet has no driver
 * path (the local engine does not read it), so it has only the executor figure.
 *
 * <p>The data: {@code --rows} rows of {@code --features} uniform floats and a label
 * {@code [x0 + x1 > 1]}, written once to {@code target/bench/ingest-data/} as one CSV file with a
 * header, one LibSVM file (every feature listed) and a Parquet directory of the same rows.
 */
public final class IngestBench {
  private IngestBench() {}

  public static void main(String[] args) throws Exception {
    String master = "local[2]";
    int rows = 200_000;
    int features = 128;
    int partitions = 2;
    int rounds = 3;
    List<String> formats = List.of("csv", "libsvm", "parquet");
    Path dir = Path.of("target/bench/ingest-data");
    SparkConf conf = new SparkConf().setAppName("sparkmlp-bench-ingest")
        .set("spark.ui.enabled", "false").set("spark.log.level", "WARN");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--master" -> master = args[++i];
        case "--rows" -> rows = Integer.parseInt(args[++i]);
        case "--features" -> features = Integer.parseInt(args[++i]);
        case "--partitions" -> partitions = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--formats" -> formats = List.of(args[++i].split(","));
        case "--dir" -> dir = Path.of(args[++i]);
        case "--conf" -> {
          String[] kv = args[++i].split("=", 2);
          conf.set(kv[0], kv[1]);
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--master,"
            + " --rows, --features, --partitions, --rounds, --formats csv,libsvm,parquet, --dir,"
            + " --conf spark.key=value)");
      }
    }
    conf.setMaster(master);
    SparkMlpKryoRegistrator.configure(conf);
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    try {
      BenchReport report = new BenchReport("ingest");
      report.info("master", master);
      report.info("partitions", String.valueOf(partitions));
      report.info("data", rows + " rows x " + features + " float features + label, in " + dir);
      report.info("statistic", "median over " + rounds + " rounds after one warm-up round;"
          + " each round runs every path once, in rotating order");
      report.info("jvm", System.getProperty("java.vm.name") + " "
          + System.getProperty("java.vm.version") + ", driver heap "
          + (Runtime.getRuntime().maxMemory() >> 20) + " MB");
      Map<String, String> files = write(spark, dir, rows, features, formats);
      Network net = Network.build(NetworkSpec.mlp(features, new int[] {64}, 2,
          Activation.RELU, 0f, Init.HE_UNIFORM, Activation.SOFTMAX, Loss.CCE, 0f, false, false));

      List<String> paths = new ArrayList<>();
      for (String f : formats) {
        if (!f.equals("parquet") && !f.equals("orc")) paths.add(f + "_driver");
        paths.add(f + "_executor");
      }
      Map<String, List<Double>> seconds = new LinkedHashMap<>();
      for (String p : paths) seconds.put(p, new ArrayList<>());
      for (int round = -1; round < rounds; round++) {
        for (int k = 0; k < paths.size(); k++) {
          String p = paths.get(Math.floorMod(k + round, paths.size()));
          String format = p.substring(0, p.indexOf('_'));
          DataSpec spec = spec(format, files.get(format));
          long t0 = System.nanoTime();
          long n = p.endsWith("_driver") ? driverPath(jsc, spec, net, partitions)
              : executorPath(spark, spec, net, partitions);
          double s = (System.nanoTime() - t0) / 1e9;
          if (n != rows) throw new IllegalStateException(p + " cached " + n + " rows of " + rows);
          if (round >= 0) seconds.get(p).add(s);
          System.out.printf("# round %d %s %.2f s%n", round, p, s);
        }
      }
      for (String p : paths) {
        report.add("ingest_" + p + "_rows_per_s", rows / median(seconds.get(p)), "rows/s");
      }
      for (String f : formats) {
        double d = report.get("ingest_" + f + "_driver_rows_per_s");
        double e = report.get("ingest_" + f + "_executor_rows_per_s");
        if (!Double.isNaN(d)) report.add("ingest_" + f + "_executor_over_driver", e / d, "x");
      }
      report.write();
    } finally {
      spark.stop();
    }
  }

  /** The driver path: read and scale on the driver, ship and cache; returns the rows cached. */
  static long driverPath(JavaSparkContext jsc, DataSpec spec, Network net, int partitions) {
    Datasets data = Datasets.load(spec, 1);
    try (SparkGradients g = new SparkGradients(jsc, net, data.train(), 1000, partitions, 1, 1,
        SparkGradients.AUTO_TREE_DEPTH)) {
      return g.rows();
    }
  }

  /** The executor path: read, check, scale and cache on the executors; returns the rows cached. */
  static long executorPath(SparkSession spark, DataSpec spec, Network net, int partitions) {
    try (FileData data = FileData.load(spark, spec, 1, partitions, 1000, false);
        SparkGradients g = data.gradients(net, 1000, 1, 1, SparkGradients.AUTO_TREE_DEPTH)) {
      return g.rows();
    }
  }

  static DataSpec spec(String format, String path) {
    return new DataSpec(format, path, "", 0, 0, "", "", 0, "", "", Task.CLASSIFICATION, 2,
        format.equals("csv") ? "label" : "", "true", ',', 0, "standard");
  }

  /** Writes the files that are missing; returns the path of each format's data. */
  static Map<String, String> write(SparkSession spark, Path dir, int rows, int features,
      List<String> formats) throws IOException {
    Path sub = dir.resolve(rows + "x" + features);
    Files.createDirectories(sub);
    Path csv = sub.resolve("train.csv");
    Path libsvm = sub.resolve("train.libsvm");
    Path parquet = sub.resolve("train.parquet");
    if (!Files.exists(csv) || !Files.exists(libsvm)) {
      Path csvTmp = sub.resolve("train.csv.tmp");
      Path svmTmp = sub.resolve("train.libsvm.tmp");
      try (BufferedWriter c = Files.newBufferedWriter(csvTmp, StandardCharsets.UTF_8);
          BufferedWriter l = Files.newBufferedWriter(svmTmp, StandardCharsets.UTF_8)) {
        StringBuilder h = new StringBuilder("label");
        for (int j = 0; j < features; j++) h.append(",x").append(j);
        c.write(h.append('\n').toString());
        long key = Rng.key(20261202L, features);
        float[] x = new float[features];
        StringBuilder cs = new StringBuilder();
        StringBuilder ls = new StringBuilder();
        for (int i = 0; i < rows; i++) {
          for (int j = 0; j < features; j++) x[j] = Rng.uniform(key, (long) i * features + j);
          int label = x[0] + x[1] > 1 ? 1 : 0;
          cs.setLength(0);
          ls.setLength(0);
          cs.append(label);
          ls.append(label);
          for (int j = 0; j < features; j++) {
            cs.append(',').append(x[j]);
            ls.append(' ').append(j + 1).append(':').append(x[j]);
          }
          c.write(cs.append('\n').toString());
          l.write(ls.append('\n').toString());
        }
      }
      Files.move(svmTmp, libsvm, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Files.move(csvTmp, csv, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    if (formats.contains("parquet") && !Files.exists(parquet.resolve("_SUCCESS"))) {
      deleteTree(parquet);
      // The CSV's rows, in their order, as floats.
      StringBuilder schema = new StringBuilder("label INT");
      for (int j = 0; j < features; j++) schema.append(", x").append(j).append(" FLOAT");
      spark.read().option("header", "true").schema(schema.toString()).csv(csv.toString())
          .write().parquet(parquet.toString());
    }
    Map<String, String> files = new LinkedHashMap<>();
    files.put("csv", csv.toString());
    files.put("libsvm", libsvm.toString());
    files.put("parquet", parquet.toString());
    return files;
  }

  static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}

package dev.sparkmlp.bench;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.Idx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * MLlib's {@code MultilayerPerceptronClassifier} on MNIST, one fit per configuration, for the
 * time-to-accuracy bench.
 *
 * <pre>
 * before: the IDX files, scaled by 1/255, written once as Parquet files of (label, features)
 *         under target/bench/mlpc-data, where an MLlib user would keep them (not timed)
 * load:   spark.read.parquet of the training rows, cache and count
 * fit:    MultilayerPerceptronClassifier(layers = 784-hidden-10, solver, maxIter, seed 42).fit
 * score:  accuracy of the fitted model on the test file (not timed)
 * time to accuracy of a configuration = load + fit, counted only when its accuracy reaches the
 * target
 * </pre>
 *
 * MLPC's only options for the optimizer are L-BFGS and full-batch gradient descent, whose step is
 * stepSize / sqrt(iteration); its layers use sigmoid hidden units and a softmax output.
 */
final class MlpcSearch {
  private MlpcSearch() {}

  /**
   * One MLPC configuration, written {@code solver:hidden:maxIter[:stepSize]} with hidden layer
   * widths joined by '-', e.g. {@code l-bfgs:128:75} or {@code gd:128-64:200:0.5}.
   */
  record Config(String solver, int[] hidden, int maxIter, double stepSize) {
    static Config parse(String s) {
      String[] f = s.trim().split(":");
      if (f.length < 3 || f.length > 4 || !(f[0].equals("l-bfgs") || f[0].equals("gd"))) {
        throw new IllegalArgumentException("MLPC config '" + s + "': want solver:hidden:maxIter"
            + "[:stepSize] with solver l-bfgs or gd, e.g. l-bfgs:128:75 or gd:128-64:200:0.5");
      }
      int[] hidden = Arrays.stream(f[1].split("-")).mapToInt(Integer::parseInt).toArray();
      // 0.03 is MLPC's own default step size.
      return new Config(f[0], hidden, Integer.parseInt(f[2]),
          f.length == 4 ? Double.parseDouble(f[3]) : 0.03);
    }

    /** A BENCH-name word: lbfgs_128_75, gd_128-64_200_s0.5. */
    String name() {
      String h = Arrays.stream(hidden).mapToObj(String::valueOf).collect(Collectors.joining("-"));
      return solver.replace("-", "") + "_" + h + "_" + maxIter
          + (solver.equals("gd") ? "_s" + stepSize : "");
    }

    int[] layers(int inputs, int classes) {
      int[] l = new int[hidden.length + 2];
      l[0] = inputs;
      System.arraycopy(hidden, 0, l, 1, hidden.length);
      l[l.length - 1] = classes;
      return l;
    }
  }

  /**
   * @param loadSeconds reading the training rows from Parquet and caching them
   * @param fitSeconds {@code fit}, MLPC's own caching of the rows included
   */
  record Result(Config config, double loadSeconds, double fitSeconds, double accuracy) {
    double seconds() {
      return loadSeconds + fitSeconds;
    }
  }

  /**
   * Runs each configuration in turn on one session; prints a line per fit as it ends. The data
   * are written to Parquet under {@code work} first, as an MLlib user would hold them: a
   * DataFrame built from a list on the driver would instead ship all its rows inside the tasks
   * of every job that reads it, 190 MB per task for MNIST, enough to exhaust the driver's heap.
   */
  static List<Result> run(SparkSession spark, String dataDir, Path work, List<Config> configs,
      long seed) {
    String trainPath = parquet(spark, dataDir, "train", work);
    String testPath = parquet(spark, dataDir, "t10k", work);
    List<Result> out = new ArrayList<>();
    Dataset<Row> test = spark.read().parquet(testPath);
    test.cache().count();
    MulticlassClassificationEvaluator accuracy = new MulticlassClassificationEvaluator()
        .setMetricName("accuracy");
    for (Config c : configs) {
      // Loaded afresh for every fit, so each one pays for its data as our engines do, and cached
      // as our engines cache their shipped rows.
      long t0 = System.nanoTime();
      Dataset<Row> train = spark.read().parquet(trainPath);
      train.cache().count();
      double load = (System.nanoTime() - t0) / 1e9;
      MultilayerPerceptronClassifier mlpc = new MultilayerPerceptronClassifier()
          .setLayers(c.layers(784, 10)).setSolver(c.solver()).setMaxIter(c.maxIter())
          .setStepSize(c.stepSize()).setSeed(seed);
      long t1 = System.nanoTime();
      MultilayerPerceptronClassificationModel model = mlpc.fit(train);
      double fit = (System.nanoTime() - t1) / 1e9;
      train.unpersist(true);
      double acc = accuracy.evaluate(model.transform(test));
      Result r = new Result(c, load, fit, acc);
      System.out.printf("# mlpc %-22s load %.1fs fit %.1fs test accuracy %.4f%n", c.name(), load,
          fit, acc);
      out.add(r);
    }
    test.unpersist();
    return out;
  }

  /**
   * Writes {@code prefix}'s IDX rows as Parquet under {@code work} (replacing an earlier copy)
   * and returns its path. The rows go through an RDD of many small partitions, so that no task
   * carries more than a few megabytes of them.
   */
  private static String parquet(SparkSession spark, String dataDir, String prefix, Path work) {
    Block b = read(dataDir, prefix);
    List<Row> rows = new ArrayList<>(b.rows);
    for (int r = 0; r < b.rows; r++) {
      double[] v = new double[b.features];
      for (int j = 0; j < b.features; j++) v[j] = b.x[r * b.features + j] / 255.0;
      rows.add(RowFactory.create((double) b.labels[r], Vectors.dense(v)));
    }
    StructType schema = new StructType()
        .add("label", DataTypes.DoubleType, false)
        .add("features", SQLDataTypes.VectorType(), false);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int slices = Math.max(1, b.rows / 2000);
    String path = work.resolve(prefix + ".parquet").toAbsolutePath().toString();
    spark.createDataFrame(jsc.parallelize(rows, slices), schema)
        .write().mode(SaveMode.Overwrite).parquet(path);
    return path;
  }

  /** Which BLAS MLlib's dgemm goes through, and which shared library is under it. */
  static String blas() {
    String any = dev.ludovic.netlib.blas.BLAS.getInstance().getClass().getName();
    String nativeBlas;
    try {
      nativeBlas = dev.ludovic.netlib.blas.NativeBLAS.getInstance().getClass().getSimpleName()
          + " (native, JNI)";
    } catch (RuntimeException | LinkageError e) {
      nativeBlas = "none: " + e.getMessage() + "; MLlib falls back to the Java BLAS";
    }
    return "BLAS.getInstance() = " + any + "; NativeBLAS = " + nativeBlas + "; loaded: "
        + loadedLibraries();
  }

  /** The BLAS shared objects mapped into this process (from /proc/self/maps on Linux). */
  private static String loadedLibraries() {
    try {
      List<String> libs = Files.readAllLines(Path.of("/proc/self/maps")).stream()
          .map(l -> l.substring(l.lastIndexOf(' ') + 1))
          .filter(p -> p.contains("blas") || p.contains("netlib"))
          .distinct().map(p -> {
            try {
              return p + " -> " + Path.of(p).toRealPath();
            } catch (IOException e) {
              return p;
            }
          }).toList();
      return libs.isEmpty() ? "no BLAS library mapped" : String.join(", ", libs);
    } catch (IOException | RuntimeException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  private static Block read(String dir, String prefix) {
    Path images = Path.of(dir, prefix + "-images-idx3-ubyte.gz");
    Path labels = Path.of(dir, prefix + "-labels-idx1-ubyte.gz");
    try (InputStream im = Files.newInputStream(images);
        InputStream lab = Files.newInputStream(labels)) {
      return Idx.read(im, images.toString(), lab, labels.toString(), 10);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read " + images, e);
    }
  }
}

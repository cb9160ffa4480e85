package dev.sparkmlp.bench;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.math.Rng;
import dev.sparkmlp.nn.Activation;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.nn.Loss;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.optim.Optimizer;
import dev.sparkmlp.optim.OptimizerSpec;
import dev.sparkmlp.spark.SparkGradients;
import dev.sparkmlp.spark.SparkMlpKryoRegistrator;
import dev.sparkmlp.train.Gradient;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Training at scale in one JVM: a generated dataset (default 1,000,000 rows x 100 features, 10
 * classes) over many partitions (default 200) in local[2], trained for many steps (default
 * 2,000: two epochs at batch 1,000) with SparkGradients and Adam, as the Trainer does. The
 * memory of Spark's status store grows with the jobs, stages and tasks it keeps until it reaches
 * its limits (spark.ui.retainedJobs and spark.ui.retainedStages, 1,000 each: one step is one job
 * and one stage of 200 tasks, so about 200,000 task records, 70 MB, after 1,000 steps; a heap
 * histogram at step 900 showed 180,000 TaskDataWrapper objects), which is why the growth is
 * measured after the first epoch.
 *
 * <ul>
 *   <li>setup: generating the rows on the driver, shipping them to the cached partitions.
 *   <li>step time: the compute() call plus the Adam update, median over all steps but the first
 *       20; compute: the tasks' own compute time per step, summed and divided by
 *       the task slots (2), as if they ran side by side; overhead = step - compute; per-partition
 *       overhead = overhead / partitions (task launch, the weights broadcast read, the result's
 *       serialization and the sum, per partition).
 *   <li>memory: every {@code --sample-every} steps, the heap in use after a full GC
 *       (MemoryMXBean, after System.gc()) and the process RSS (/proc/self/status VmRSS); peak RSS
 *       is VmHWM at the end. The growth is the least-squares slope of each against the step, over
 *       the samples after the first epoch (the first epoch fills the executors' caches: epoch
 *       orders, workspaces), in bytes per step, and that slope times the steps of the window.
 *       Driver and executors share this JVM, so both are measured.
 * </ul>
 */
public final class ScaleBench {
  public static void main(String[] args) throws IOException {
    int rows = 1_000_000;
    int features = 100;
    int partitions = 200;
    int batch = 1000;
    int steps = 2000;
    int sampleEvery = 100;
    int depth = SparkGradients.AUTO_TREE_DEPTH;
    String master = "local[2]";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rows" -> rows = Integer.parseInt(args[++i]);
        case "--features" -> features = Integer.parseInt(args[++i]);
        case "--partitions" -> partitions = Integer.parseInt(args[++i]);
        case "--batch" -> batch = Integer.parseInt(args[++i]);
        case "--steps" -> steps = Integer.parseInt(args[++i]);
        case "--sample-every" -> sampleEvery = Integer.parseInt(args[++i]);
        case "--depth" -> depth = Integer.parseInt(args[++i]);
        case "--master" -> master = args[++i];
        default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--rows,"
            + " --features, --partitions, --batch, --steps, --sample-every, --depth, --master)");
      }
    }
    BenchReport report = new BenchReport("scale");
    report.info("master", master);
    report.info("data", rows + " generated rows x " + features + " features, 10 classes");
    report.info("partitions", String.valueOf(partitions));
    report.info("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version")
        + ", max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB");
    SparkConf conf = new SparkConf().setMaster(master).setAppName("sparkmlp-scale")
        .set("spark.ui.enabled", "false").set("spark.log.level", "WARN");
    SparkMlpKryoRegistrator.configure(conf);
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    try {
      Network net = Network.build(NetworkSpec.mlp(features, new int[] {64, 64}, 10,
          Activation.RELU, 0f, Init.HE_UNIFORM, Activation.SOFTMAX, Loss.CCE, 0f, false, false));
      report.info("model", features + "-64-64-10 relu, " + net.paramCount() + " params, adam,"
          + " batch " + batch);
      long t0 = System.nanoTime();
      Block train = generate(rows, features, 11);
      report.add("generate_s", (System.nanoTime() - t0) / 1e9, "s");
      t0 = System.nanoTime();
      SparkGradients source = new SparkGradients(jsc, net, train, batch, partitions, 11,
          Math.max(1, steps / (rows / batch) + 1), depth);
      train = null; // the partitions hold the rows now
      source.recordComputeTimes();
      report.info("tree_depth", String.valueOf(source.treeDepth()));
      report.info("steps_per_epoch", String.valueOf(source.stepsPerEpoch()));
      float[] w = new float[net.paramCount()];
      float[] buffers = new float[net.bufferCount()];
      net.initialize(w, buffers, 11);
      Optimizer adam = OptimizerSpec.defaults("adam").build(net.weights());
      float[] g = new float[w.length];
      // The first step builds the cached partitions (the shipping job's shuffle is read there).
      Gradient first = source.compute(w, buffers, 0, 0);
      report.add("ship_s", (System.nanoTime() - t0) / 1e9, "s",
          "shipping the rows to " + partitions + " cached partitions, with the first step");
      step(first, g, w, adam);

      int perEpoch = source.stepsPerEpoch();
      int skip = Math.min(steps / 2, perEpoch);
      int slots = jsc.defaultParallelism();
      double[] stepMs = new double[steps - 1];
      double[] computeMs = new double[steps - 1];
      List<double[]> samples = new ArrayList<>(); // step, heap after GC, RSS
      for (int s = 1; s < steps; s++) {
        int epoch = s / perEpoch;
        long a = System.nanoTime();
        Gradient grad = source.compute(w, buffers, epoch, s % perEpoch);
        step(grad, g, w, adam);
        stepMs[s - 1] = (System.nanoTime() - a) / 1e6;
        computeMs[s - 1] = Arrays.stream(source.lastComputeNanos()).sum() / 1e6 / slots;
        if (s % sampleEvery == 0 || s == steps - 1) {
          System.gc();
          long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
          long rss = procStatus("VmRSS");
          samples.add(new double[] {s, heap, rss});
          System.out.printf("# step %d/%d: %.1f ms/step, heap after GC %.1f MB, RSS %.1f MB,"
              + " loss %.4f%n", s, steps, stepMs[s - 1], heap / 1e6, rss / 1e6,
              grad.lossSum / grad.count);
        }
      }
      double[] measured = Arrays.copyOfRange(stepMs, Math.min(20, steps - 2), stepMs.length);
      double[] compute = Arrays.copyOfRange(computeMs, Math.min(20, steps - 2), computeMs.length);
      double step = median(measured);
      double comp = median(compute);
      report.add("step_ms", step, "ms/step", "compute() + Adam, median");
      report.add("step_p90_ms", percentile(measured, 0.9), "ms/step");
      report.add("compute_ms", comp, "ms/step", "tasks' compute time / " + slots + " slots");
      report.add("overhead_ms", step - comp, "ms/step");
      report.add("per_partition_overhead_ms", (step - comp) / partitions, "ms/partition/step");
      report.add("samples_per_s", batch / (step / 1e3), "samples/s");
      List<double[]> window = samples.stream().filter(x -> x[0] >= skip).toList();
      double heapSlope = slope(window, 1);
      double rssSlope = slope(window, 2);
      double span = window.isEmpty() ? 0 : window.get(window.size() - 1)[0] - window.get(0)[0];
      report.add("heap_after_gc_first_mb", window.isEmpty() ? Double.NaN : window.get(0)[1] / 1e6,
          "MB", "at step " + (window.isEmpty() ? -1 : (long) window.get(0)[0]));
      report.add("heap_after_gc_last_mb", samples.get(samples.size() - 1)[1] / 1e6, "MB");
      report.add("heap_slope_bytes_per_step", heapSlope, "B/step",
          "least squares over steps " + skip + ".." + (steps - 1));
      report.add("heap_growth_over_window_mb", heapSlope * span / 1e6, "MB",
          "the slope times " + (long) span + " steps");
      report.add("rss_slope_bytes_per_step", rssSlope, "B/step");
      report.add("rss_growth_over_window_mb", rssSlope * span / 1e6, "MB");
      report.add("peak_rss_mb", procStatus("VmHWM") / 1e6, "MB", "VmHWM: driver and executors");
      source.close();
      report.write();
    } finally {
      spark.stop();
    }
  }

  private static void step(Gradient grad, float[] g, float[] w, Optimizer adam) {
    for (int i = 0; i < g.length; i++) g[i] = grad.grad[i] / grad.count;
    adam.step(w, g, 1e-3f);
  }

  /**
   * Rows of N(0, 1) features; the label is the index of the largest of the first ten features,
   * so the classes can be learned. Counter-based, so the same at any size of machine.
   */
  static Block generate(int rows, int features, long seed) {
    float[] x = new float[Math.multiplyExact(rows, features)];
    int[] labels = new int[rows];
    long key = Rng.key(seed, 7);
    for (int r = 0; r < rows; r++) {
      int best = 0;
      for (int j = 0; j < features; j++) {
        float v = (float) Rng.gaussian(key, (long) r * features + j);
        x[r * features + j] = v;
        if (j < 10 && v > x[r * features + best]) best = j;
      }
      labels[r] = best;
    }
    return Block.classification(rows, features, x, labels, 10);
  }

  /** A field of /proc/self/status in bytes (its kB figure times 1024); -1 when unreadable. */
  static long procStatus(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** Least-squares slope of column c against column 0. */
  static double slope(List<double[]> pts, int c) {
    if (pts.size() < 2) return Double.NaN;
    double mx = 0;
    double my = 0;
    for (double[] p : pts) {
      mx += p[0];
      my += p[c];
    }
    mx /= pts.size();
    my /= pts.size();
    double sxy = 0;
    double sxx = 0;
    for (double[] p : pts) {
      sxy += (p[0] - mx) * (p[c] - my);
      sxx += (p[0] - mx) * (p[0] - mx);
    }
    return sxy / sxx;
  }

  static double median(double[] v) {
    return percentile(v, 0.5);
  }

  static double percentile(double[] v, double q) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[(int) Math.min(s.length - 1, Math.floor(q * s.length))];
  }
}

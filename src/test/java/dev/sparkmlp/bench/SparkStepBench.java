package dev.sparkmlp.bench;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.Idx;
import dev.sparkmlp.data.Scaler;
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
import dev.sparkmlp.spark.StepSums;
import dev.sparkmlp.train.Gradient;
import dev.sparkmlp.train.LocalGradients;
import dev.sparkmlp.train.Shards;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The cost of one distributed training step, against the floor Spark itself sets.
 *
 * <ul>
 *   <li>floor: per step, broadcast a float[] of the model's size and treeAggregate one copy of it
 *       per partition, over a cached RDD partitioned like the training rows (one shuffled element
 *       per partition), destroying the previous broadcast. No training work. A floor step follows
 *       each training step, so that both see the same machine (it may be shared).
 *   <li>SparkGradients steps of 784-128-128-128-128-10 at global batch B: step time (the compute()
 *       call on the driver); compute time, measured inside each task with System.nanoTime around
 *       forward, backward and the copy into the result; overhead = step time minus the
 *       partitions' own compute time. Partitions run at the same time when there are no more of
 *       them than task slots, so their compute time is the slowest one's; otherwise the sum over
 *       the slots.
 *   <li>samples/s: B / (step time + the Adam update on the driver), the training loop's rate.
 * </ul>
 *
 * Times are medians over the measured steps, after warm-up steps.
 *
 * <p>With {@code --sums P1,P2,...} it instead times the ways of combining the partition sums, at
 * each of those partition counts, on one SparkGradients source (the same cached rows and
 * broadcasts) and at the first of {@code --batches} (default 1000): the fixed sum tree with its
 * groups added on executors (depth 2), the same tree added on the driver (depth 1), and Spark's
 * treeAggregate of depth 2 (what SparkGradients used above 32 partitions before the tree). Each
 * round runs one step of each way, in an order that rotates from round to round, so all three see
 * the same machine; every step is followed by the Adam update with its gradient.
 */
public final class SparkStepBench {
  private static final int[] HIDDEN = {128, 128, 128, 128};

  public static void main(String[] args) throws Exception {
    String master = "local[2]";
    int partitions = 0;
    int steps = 40;
    int warmup = 10;
    int depth = SparkGradients.AUTO_TREE_DEPTH;
    List<Integer> batches = List.of(100, 1000, 4096);
    boolean batchesGiven = false;
    List<Integer> sums = List.of();
    String data = "data/mnist";
    SparkConf conf = new SparkConf().setAppName("sparkmlp-bench")
        .set("spark.ui.enabled", "false").set("spark.log.level", "WARN");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--master" -> master = args[++i];
        case "--partitions" -> partitions = Integer.parseInt(args[++i]);
        case "--steps" -> steps = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--depth" -> depth = Integer.parseInt(args[++i]);
        case "--batches" -> {
          batches = parseList(args[++i]);
          batchesGiven = true;
        }
        case "--sums" -> sums = parseList(args[++i]);
        case "--data" -> data = args[++i];
        case "--conf" -> {
          String[] kv = args[++i].split("=", 2);
          conf.set(kv[0], kv[1]);
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--master,"
            + " --partitions, --steps, --warmup, --depth, --batches, --sums P1,P2,"
            + " --data DIR|random,"
            + " --conf spark.key=value)");
      }
    }
    conf.setMaster(master);
    SparkMlpKryoRegistrator.configure(conf);
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    try {
      int p = partitions > 0 ? partitions : jsc.defaultParallelism();
      int slots = jsc.defaultParallelism();
      Network net = Network.build(NetworkSpec.mlp(784, HIDDEN, 10, Activation.LEAKY_RELU, 0.1f,
          Init.HE_UNIFORM, Activation.SOFTMAX, Loss.CCE, 0f, false, false));
      if (!sums.isEmpty()) {
        BenchReport report = new BenchReport("spark-step-sums");
        report.info("master", master);
        report.info("task_slots", String.valueOf(slots));
        report.info("model", "784-128-128-128-128-10 leaky_relu(0.1), " + net.paramCount()
            + " params, adam");
        report.info("statistic", "median over " + steps + " rounds after " + warmup
            + " warm-up; a round is one step of each way, in rotating order");
        report.info("jvm", System.getProperty("java.vm.name") + " "
            + System.getProperty("java.vm.version"));
        Block train = load(data, report);
        int batch = batchesGiven ? batches.get(0) : 1000;
        for (int sp : sums) compareSums(jsc, net, train, batch, sp, steps, warmup, report);
        report.write();
        return;
      }
      BenchReport report = new BenchReport("spark-step");
      report.info("master", master);
      report.info("partitions", String.valueOf(p));
      report.info("task_slots", String.valueOf(slots));
      int used = depth == SparkGradients.AUTO_TREE_DEPTH
          ? SparkGradients.defaultTreeDepth(p) : depth;
      report.info("tree_depth", used == 1 ? "1 (partition sums added on the driver)"
          : used + " (group sums added on executors)");
      for (var kv : conf.getAll()) {
        if (kv._1().startsWith("spark.broadcast") || kv._1().startsWith("spark.kryo")
            || kv._1().startsWith("spark.serializer")) {
          report.info(kv._1(), kv._2());
        }
      }
      report.info("model", "784-128-128-128-128-10 leaky_relu(0.1), " + net.paramCount()
          + " params, adam");
      report.info("statistic", "median over " + steps + " steps after " + warmup + " warm-up");
      report.info("jvm", System.getProperty("java.vm.name") + " "
          + System.getProperty("java.vm.version"));
      Block train = load(data, report);

      List<Double> floors = new ArrayList<>();
      List<Result> results = new ArrayList<>();
      // The floor is Spark's own treeAggregate whatever depth the training steps use.
      try (Floor floor = new Floor(jsc, net.paramCount(), p, Math.max(2, used))) {
        for (int batch : batches) {
          Result r = steps(jsc, net, train, batch, p, slots, depth, steps, warmup, floor);
          results.add(r);
          for (double f : r.floorMs) floors.add(f);
        }
      }
      double floor = median(floors.stream().mapToDouble(Double::doubleValue).toArray());
      report.add("floor_ms", floor, "ms/step", "broadcast " + net.paramCount()
          + " floats, treeAggregate one copy per partition; each floor step right after a"
          + " training step, so both see the same machine");
      for (int i = 0; i < batches.size(); i++) {
        int batch = batches.get(i);
        Result r = results.get(i);
        report.add("step_b" + batch + "_ms", r.stepMs, "ms/step");
        report.add("compute_b" + batch + "_ms", r.computeMs, "ms/step",
            "the partitions' own compute time");
        report.add("compute_cpu_b" + batch + "_ms", r.computeCpuMs, "ms/step",
            "the same in thread CPU time: what compute would take on cores of its own");
        report.add("overhead_b" + batch + "_ms", r.overheadMs, "ms/step",
            "step time minus compute time");
        report.add("overhead_over_floor_b" + batch, r.overheadMs / median(r.floorMs), "x",
            "against the floor steps interleaved with these steps");
        report.add("samples_per_s_b" + batch, r.samplesPerSecond, "samples/s",
            "compute() plus the Adam update");
        double local = local(net, train, batch, p, slots, steps, warmup);
        report.add("local_samples_per_s_b" + batch, local, "samples/s",
            "LocalGradients, " + p + " shards on " + slots + " threads, same loop: no Spark");
      }
      report.write();
    } finally {
      spark.stop();
    }
  }

  private static List<Integer> parseList(String s) {
    return Arrays.stream(s.split(",")).map(String::trim).map(Integer::valueOf).toList();
  }

  private static Block load(String dir, BenchReport report) throws Exception {
    Path images = Path.of(dir, "train-images-idx3-ubyte.gz");
    Path labels = Path.of(dir, "train-labels-idx1-ubyte.gz");
    if (!dir.equals("random") && Files.exists(images) && Files.exists(labels)) {
      try (InputStream im = Files.newInputStream(images);
          InputStream lab = Files.newInputStream(labels)) {
        Block b = Idx.read(im, images.toString(), lab, labels.toString(), 10);
        report.info("data", "MNIST " + dir + ", " + b.rows + " rows, scaled /255");
        return Scaler.fit(Scaler.Kind.DIVIDE255, b).apply(b);
      }
    }
    int rows = 60000;
    float[] x = new float[rows * 784];
    int[] classes = new int[rows];
    long key = Rng.key(7, 1);
    for (int i = 0; i < x.length; i++) x[i] = Rng.uniform(key, i);
    for (int r = 0; r < rows; r++) classes[r] = Rng.below(key, x.length + (long) r, 10);
    report.info("data", "random, MNIST-shaped: 60000 x 784, 10 classes");
    return Block.classification(rows, 784, x, classes, 10);
  }

  /**
   * An empty step: broadcast the weights, treeAggregate one copy per partition, destroy the
   * previous broadcast.
   */
  private static final class Floor implements AutoCloseable {
    private final JavaRDD<Integer> rdd;
    private final float[] w;
    private final int depth;
    private Broadcast<float[]> previous;

    Floor(JavaSparkContext jsc, int size, int partitions, int depth) {
      List<Tuple2<Integer, Integer>> keys = new ArrayList<>();
      for (int i = 0; i < partitions; i++) keys.add(new Tuple2<>(i, i));
      rdd = jsc.parallelizePairs(keys, partitions).partitionBy(new HashPartitioner(partitions))
          .values();
      rdd.persist(StorageLevel.MEMORY_ONLY()).count();
      w = new float[size];
      for (int i = 0; i < w.length; i++) w[i] = i * 1e-6f;
      this.depth = depth;
    }

    /** One step; returns its ms. */
    double step(JavaSparkContext jsc) {
      long t0 = System.nanoTime();
      Broadcast<float[]> bc = jsc.broadcast(w);
      if (previous != null) previous.destroy();
      previous = bc;
      float[] sum = rdd.treeAggregate(new float[0], (acc, x) -> bc.value().clone(),
          SparkStepBench::add, depth);
      if (sum.length != w.length) {
        throw new IllegalStateException("the floor job summed " + sum.length + " floats");
      }
      return (System.nanoTime() - t0) / 1e6;
    }

    @Override
    public void close() {
      if (previous != null) previous.destroy();
      rdd.unpersist(true);
    }
  }

  private static float[] add(float[] a, float[] b) {
    if (a.length == 0) return b;
    if (b.length == 0) return a;
    for (int i = 0; i < a.length; i++) a[i] += b[i];
    return a;
  }

  private record Result(double stepMs, double computeMs, double computeCpuMs, double overheadMs,
      double samplesPerSecond, double[] floorMs) {}

  /** Training steps, each followed by a floor step. */
  private static Result steps(JavaSparkContext jsc, Network net, Block train, int batch,
      int partitions, int slots, int depth, int steps, int warmup, Floor floor) {
    float[] params = new float[net.paramCount()];
    float[] buffers = new float[net.bufferCount()];
    net.initialize(params, buffers, 42);
    Optimizer adam = OptimizerSpec.defaults("adam").build(net.weights());
    float[] g = new float[params.length];
    double[] step = new double[steps];
    double[] compute = new double[steps];
    double[] computeCpu = new double[steps];
    double[] overhead = new double[steps];
    double[] floors = new double[steps];
    double loopMs = 0;
    try (SparkGradients source =
        new SparkGradients(jsc, net, train, batch, partitions, 42, 1000, depth)) {
      source.recordComputeTimes();
      int perEpoch = source.stepsPerEpoch();
      for (int i = 0; i < warmup + steps; i++) {
        long t0 = System.nanoTime();
        Gradient grad = source.compute(params, buffers, i / perEpoch, i % perEpoch);
        long t1 = System.nanoTime();
        float inv = 1f / grad.count;
        for (int j = 0; j < g.length; j++) g[j] = grad.grad[j] * inv;
        adam.step(params, g, 1e-3f);
        long t2 = System.nanoTime();
        double f = floor.step(jsc);
        if (i < warmup) continue;
        int k = i - warmup;
        step[k] = (t1 - t0) / 1e6;
        compute[k] = concurrent(source.lastComputeNanos(), partitions, slots) / 1e6;
        computeCpu[k] = concurrent(source.lastComputeCpuNanos(), partitions, slots) / 1e6;
        overhead[k] = step[k] - compute[k];
        floors[k] = f;
        loopMs += (t2 - t0) / 1e6;
      }
    }
    return new Result(median(step), median(compute), median(computeCpu), median(overhead),
        batch / (loopMs / steps / 1e3), floors);
  }

  /**
   * Step times of the three ways of combining the partition sums ({@link StepSums.Way}) at
   * {@code partitions} partitions, interleaved round by round on one source.
   */
  private static void compareSums(JavaSparkContext jsc, Network net, Block train, int batch,
      int partitions, int steps, int warmup, BenchReport report) {
    StepSums.Way[] ways = StepSums.Way.values();
    double[][] ms = new double[ways.length][steps];
    float[] params = new float[net.paramCount()];
    float[] buffers = new float[net.bufferCount()];
    net.initialize(params, buffers, 42);
    Optimizer adam = OptimizerSpec.defaults("adam").build(net.weights());
    float[] g = new float[params.length];
    try (SparkGradients source = new SparkGradients(jsc, net, train, batch, partitions, 42, 1000,
        SparkGradients.AUTO_TREE_DEPTH)) {
      int perEpoch = source.stepsPerEpoch();
      int i = 0;
      for (int round = 0; round < warmup + steps; round++) {
        for (int j = 0; j < ways.length; j++, i++) {
          int w = (round + j) % ways.length;
          long t0 = System.nanoTime();
          Gradient grad = StepSums.compute(source, ways[w], params, buffers, i / perEpoch,
              i % perEpoch);
          long t1 = System.nanoTime();
          float inv = 1f / grad.count;
          for (int k = 0; k < g.length; k++) g[k] = grad.grad[k] * inv;
          adam.step(params, g, 1e-3f);
          if (round >= warmup) ms[w][round - warmup] = (t1 - t0) / 1e6;
        }
      }
    }
    String at = "p" + partitions + "_b" + batch;
    report.info(at, partitions + " partitions, batch " + batch + ", tree of "
        + Shards.sumGroups(partitions) + " groups of up to " + Shards.sumGroupSize(partitions));
    double[] med = new double[ways.length];
    for (int w = 0; w < ways.length; w++) {
      med[w] = median(ms[w]);
      String name = ways[w].name().toLowerCase(java.util.Locale.ROOT).replace("_", "");
      report.add("sums_" + at + "_" + name + "_ms", med[w], "ms/step", switch (ways[w]) {
        case TREE -> "fixed tree, groups added on executors (depth 2, the default above 32)";
        case DRIVER -> "fixed tree, all added on the driver (depth 1)";
        case TREE_AGGREGATE -> "Spark treeAggregate depth 2, sums in task-finish order";
      });
    }
    report.add("sums_" + at + "_tree_over_treeaggregate",
        med[StepSums.Way.TREE.ordinal()] / med[StepSums.Way.TREE_AGGREGATE.ordinal()], "x");
    report.add("sums_" + at + "_driver_over_treeaggregate",
        med[StepSums.Way.DRIVER.ordinal()] / med[StepSums.Way.TREE_AGGREGATE.ordinal()], "x");
  }

  /** Samples/s of the same loop with LocalGradients: what the step costs without Spark. */
  private static double local(Network net, Block train, int batch, int shards, int threads,
      int steps, int warmup) {
    float[] params = new float[net.paramCount()];
    float[] buffers = new float[net.bufferCount()];
    net.initialize(params, buffers, 42);
    Optimizer adam = OptimizerSpec.defaults("adam").build(net.weights());
    float[] g = new float[params.length];
    double ms = 0;
    try (LocalGradients source = new LocalGradients(net, train, batch, shards, threads, 42)) {
      int perEpoch = source.stepsPerEpoch();
      for (int i = 0; i < warmup + steps; i++) {
        long t0 = System.nanoTime();
        Gradient grad = source.compute(params, buffers, i / perEpoch, i % perEpoch);
        float inv = 1f / grad.count;
        for (int j = 0; j < g.length; j++) g[j] = grad.grad[j] * inv;
        adam.step(params, g, 1e-3f);
        if (i >= warmup) ms += (System.nanoTime() - t0) / 1e6;
      }
    }
    return batch / (ms / steps / 1e3);
  }

  /** The time the tasks take together: the slowest when they fit the slots, else sum / slots. */
  private static long concurrent(long[] tasks, int partitions, int slots) {
    long c = 0;
    if (partitions <= slots) {
      for (long t : tasks) c = Math.max(c, t);
    } else {
      for (long t : tasks) c += t;
      c /= slots;
    }
    return c;
  }

  private static double median(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}

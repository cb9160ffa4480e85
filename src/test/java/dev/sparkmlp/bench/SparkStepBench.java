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
import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The cost of one distributed training step, against the floor Spark itself sets and against the
 * local engine, with a breakdown of where the step's time goes.
 *
 * <ul>
 *   <li>floor: per step, broadcast a float[] of the model's size and treeAggregate one copy of it
 *       per partition, over a cached RDD partitioned like the training rows (one shuffled element
 *       per partition), destroying the previous broadcast. No training work.
 *   <li>SparkGradients steps of 784-128-128-128-128-10 (or the widths of --layers) at global
 *       batch B: step time (the compute() call on the driver); compute time, measured inside each
 *       task with System.nanoTime around forward, backward and the copy into the result;
 *       overhead = step time minus the partitions' own compute time. Partitions run at the same
 *       time when there are no more of them than task slots, so their compute time is the
 *       slowest one's; otherwise the sum over the slots.
 *   <li>empty job: right after each step, a job over the same cached blocks whose tasks return
 *       at once, through the same job API ({@link StepSums#emptyJob}): Spark's own cost of a job,
 *       nothing of ours in it. bound = local step time / (compute + empty job + the driver's sum
 *       + the update), per round: the Spark/local ratio a step would reach if it cost nothing
 *       beyond Spark's empty job and its compute.
 *   <li>local: LocalGradients with as many shards, on as many threads as task slots.
 *   <li>samples/s: B / (step time + the Adam update on the driver), the training loop's rate, and
 *       Spark's over local's.
 *   <li>breakdown (means, so that the parts add up): the driver's timers
 *       ({@link SparkGradients#lastStepTimes}: broadcast creation, destruction, the job, the sum),
 *       the update, and Spark's task metrics from a listener ({@link StepListener}): scheduler
 *       delay, deserialization, run time (of which compute), result serialization, getting the
 *       result; and the job's time outside its tasks.
 * </ul>
 *
 * Each round runs a Spark step, a floor step, an empty job and a local step, so that all see the
 * same machine (it may be shared). In local mode with a task slot per partition the default runs
 * the steps of an epoch in one job (a step loop, {@code SparkGradients}), which holds the slots
 * between its steps: its rounds are a Spark step and a local step, and its floor steps and empty
 * jobs run after the rounds; its breakdown has no task metrics (no job per step) but the loop's
 * hand-over. A loop restarts whenever another variant steps in between, so compare the loop with
 * a job per step in two runs ({@code --variants job} against the default), not in one rotation.
 * With {@code --variants before,broadcast,job} each round runs
 * one Spark step of each way of sending the weights, in an order that rotates from round to round;
 * a step that leaves a weights broadcast destroys it before the next step, timed as part of its
 * own step (else the next variant would pay for it). Times are medians over the measured rounds,
 * after warm-up rounds.
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
  /** What each figure of the breakdown is; tasks' figures are means over a step's tasks. */
  private static final Map<String, String> BREAKDOWN = Map.ofEntries(
      Map.entry("broadcast_create", "driver: jsc.broadcast of the step's weights"),
      Map.entry("broadcast_destroy", "driver: destroying the previous step's broadcast"),
      Map.entry("job", "driver: runJob, submission until every result is on the driver; in a"
          + " step loop, posting the step until every sum is back"),
      Map.entry("loop_handover", "step loop: job minus the slowest partition's compute, the"
          + " hand-over of the step to the waiting tasks and of their sums back"),
      Map.entry("job_outside_tasks", "job minus first task launch to last task finish:"
          + " submission, scheduling, and handing the results to the driver's thread"),
      Map.entry("job_submit_to_first_launch", "listener: job start event to first launch"),
      Map.entry("job_last_finish_to_end", "listener: last task finish to job end event"),
      Map.entry("task_scheduler_delay", "task duration minus the parts below: launch and"
          + " status-update hops"),
      Map.entry("task_deserialize", "executorDeserializeTime: task, closure, broadcast reads"),
      Map.entry("task_run", "executorRunTime: the task function"),
      Map.entry("task_compute", "of task_run, forward + backward + copy into the result"),
      Map.entry("task_result_serialize", "resultSerializationTime"),
      Map.entry("task_getting_result", "fetching a result stored remotely"),
      Map.entry("driver_sum", "driver: adding the partition sums"),
      Map.entry("driver_update", "driver: scaling by 1/B and the Adam update"),
      Map.entry("step", "the whole loop step: compute() plus the update"));

  public static void main(String[] args) throws Exception {
    String master = "local[2]";
    int partitions = 0;
    int steps = 40;
    int warmup = 10;
    int depth = SparkGradients.AUTO_TREE_DEPTH;
    List<Integer> batches = List.of(100, 1000, 4096);
    boolean batchesGiven = false;
    List<Integer> sums = List.of();
    List<String> variants = List.of("default");
    int microBatch = 0;
    String data = "data/mnist";
    int[] hidden = HIDDEN;
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
        case "--variants" -> {
          variants = Arrays.stream(args[++i].split(",")).map(String::trim).toList();
          for (String v : variants) {
            if (!VARIANTS.contains(v.replaceAll("-no(compress|checksum)$", ""))) {
              throw new IllegalArgumentException("--variants takes " + VARIANTS + ", not " + v);
            }
          }
        }
        case "--data" -> data = args[++i];
        case "--layers" -> hidden = Arrays.stream(args[++i].split(",")).map(String::trim)
            .mapToInt(Integer::parseInt).toArray();
        case "--micro-batch" -> microBatch = Integer.parseInt(args[++i]);
        case "--conf" -> {
          String[] kv = args[++i].split("=", 2);
          conf.set(kv[0], kv[1]);
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--master,"
            + " --partitions, --steps, --warmup, --depth, --batches, --sums P1,P2,"
            + " --variants " + String.join(",", VARIANTS) + "[-nocompress|-nochecksum],"
            + " --micro-batch M, --layers W1,W2,..,"
            + " --data DIR|random,"
            + " --conf spark.key=value)");
      }
    }
    conf.setMaster(master);
    // As the CLI's engine: a step loop on a cluster needs Spark's barrier slot check to fail fast.
    conf.setIfMissing(SparkGradients.BARRIER_CHECK_FAILURES, "1");
    conf.setIfMissing(SparkGradients.BARRIER_CHECK_INTERVAL, "1s");
    if (!master.startsWith("local") && !conf.contains("spark.executor.extraClassPath")) {
      // Executors on this machine (the loopback cluster) read the bench's class directories.
      String dirs = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
          .filter(e -> Files.isDirectory(Path.of(e)))
          .collect(Collectors.joining(File.pathSeparator));
      conf.set("spark.executor.extraClassPath", dirs);
    }
    SparkMlpKryoRegistrator.configure(conf);
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    try {
      int p = partitions > 0 ? partitions : jsc.defaultParallelism();
      int slots = jsc.defaultParallelism();
      Network net = Network.build(NetworkSpec.mlp(784, hidden, 10, Activation.LEAKY_RELU, 0.1f,
          Init.HE_UNIFORM, Activation.SOFTMAX, Loss.CCE, 0f, false, false));
      if (!sums.isEmpty()) {
        BenchReport report = new BenchReport("spark-step-sums");
        report.info("master", master);
        report.info("task_slots", String.valueOf(slots));
        report.info("model", "784-" + name(hidden) + "-10 leaky_relu(0.1), " + net.paramCount()
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
        if (!kv._1().equals("spark.master")) report.info(kv._1(), kv._2());
      }
      report.info("model", "784-" + name(hidden) + "-10 leaky_relu(0.1), " + net.paramCount()
          + " params, adam");
      report.info("micro_batch", microBatch == 0 ? "off" : String.valueOf(microBatch));
      report.info("statistic", "median over " + steps + " steps after " + warmup + " warm-up;"
          + " the breakdown (b<B>_*_ms) is a mean, so that its parts add up");
      report.info("jvm", System.getProperty("java.vm.name") + " "
          + System.getProperty("java.vm.version"));
      Block train = load(data, report);

      List<Double> floors = new ArrayList<>();
      List<List<Result>> results = new ArrayList<>();
      StepListener listener = new StepListener();
      jsc.sc().addSparkListener(listener);
      // The floor is Spark's own treeAggregate whatever depth the training steps use.
      try (Floor floor = new Floor(jsc, net.paramCount(), p, Math.max(2, used))) {
        for (int batch : batches) {
          List<Result> rs = steps(jsc, listener, net, train, batch, p, slots, depth, steps,
              warmup, floor, variants, microBatch);
          results.add(rs);
          for (Result r : rs) for (double f : r.floorMs) floors.add(f);
        }
      }
      double floor = median(floors.stream().mapToDouble(Double::doubleValue).toArray());
      report.add("floor_ms", floor, "ms/step", "broadcast " + net.paramCount()
          + " floats, treeAggregate one copy per partition; each floor step right after a"
          + " training step, so both see the same machine");
      for (int i = 0; i < batches.size(); i++) {
        for (int v = 0; v < variants.size(); v++) {
          String batch = batches.get(i) + (variants.size() > 1 ? "_" + variants.get(v) : "");
          report(report, batch, results.get(i).get(v), p, slots);
        }
      }
      report.write();
    } finally {
      spark.stop();
    }
  }

  /** The figures of one batch size (and variant, when several are compared). */
  private static void report(BenchReport report, String batch, Result r, int p, int slots) {
    report.add("step_b" + batch + "_ms", r.stepMs, "ms/step");
    report.add("compute_b" + batch + "_ms", r.computeMs, "ms/step",
        "the partitions' own compute time");
    report.add("compute_cpu_b" + batch + "_ms", r.computeCpuMs, "ms/step",
        "the same in thread CPU time: what compute would take on cores of its own");
    report.add("overhead_b" + batch + "_ms", r.overheadMs, "ms/step",
        "step time minus compute time");
    report.add("overhead_over_floor_b" + batch, r.overheadMs / median(r.floorMs), "x",
        "against the floor steps interleaved with these steps");
    report.add("empty_job_b" + batch + "_ms", median(r.emptyMs), "ms/job", "Spark's own job over"
        + " the cached blocks, tasks that return at once; right after each step");
    report.add("overhead_over_empty_job_b" + batch, r.overheadMs / median(r.emptyMs), "x",
        "step minus compute, over the empty job");
    report.add("bound_spark_over_local_b" + batch, median(r.bounds), "x", r.loop
        ? "per round, local step over (compute + driver sum + update): a step loop has no job"
            + " per step, so the ratio if the step cost nothing beyond its compute"
        : "per round, local step over (compute + empty job + driver sum + update): the ratio if"
            + " the step cost only Spark's empty job beyond compute");
    report.add("samples_per_s_b" + batch, r.samplesPerSecond, "samples/s",
        "compute() plus the Adam update");
    report.add("local_samples_per_s_b" + batch, r.localSamplesPerSecond, "samples/s",
        "LocalGradients, " + p + " shards on " + slots + " threads, same loop: no Spark;"
        + " its steps interleaved with the Spark steps");
    report.add("spark_over_local_b" + batch, r.samplesPerSecond / r.localSamplesPerSecond,
        "x", "samples/s of Spark over local");
    double[] q = r.ratios.clone();
    Arrays.sort(q);
    report.add("spark_over_local_b" + batch + "_q1", q[q.length / 4], "x",
        "per round (local step over Spark step, updates included): first quartile");
    report.add("spark_over_local_b" + batch + "_q3", q[q.length * 3 / 4], "x", "third quartile");
    for (var kv : r.breakdown.entrySet()) {
      report.add("b" + batch + "_" + kv.getKey() + "_ms", kv.getValue(), "ms/step",
          BREAKDOWN.get(kv.getKey()));
    }
  }

  /** Hidden widths joined by '-'. */
  private static String name(int[] hidden) {
    return Arrays.stream(hidden).mapToObj(String::valueOf)
        .collect(java.util.stream.Collectors.joining("-"));
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

  /** One way of stepping at one batch size: medians of the loop, means of the breakdown. */
  private record Result(double stepMs, double computeMs, double computeCpuMs, double overheadMs,
      double samplesPerSecond, double localSamplesPerSecond, double[] ratios, double[] floorMs,
      double[] emptyMs, double[] bounds, Map<String, Double> breakdown, boolean loop) {}

  /**
   * The ways of stepping a run can compare, step by step on one source: default (as shipped: in
   * local mode with a task slot per partition the steps of an epoch run in one job, a step loop,
   * with the weights and sums handed over by reference; on a cluster a job per step with the
   * weights in a broadcast); job (local mode: a job per step, the weights by reference, as the
   * default was before step loops); before (every step
   * broadcasts the weights and destroys the previous broadcast before its job, as SparkGradients
   * did before); broadcast (a broadcast, the previous one destroyed in the background);
   * and any of them with the suffix -nocompress or -nochecksum (spark.broadcast.compress or
   * spark.broadcast.checksum set to false in the running SparkEnv's conf for the step:
   * TorrentBroadcast reads them for each new broadcast, the task binary's included; a measuring
   * device for local mode only).
   */
  static final List<String> VARIANTS = List.of("default", "job", "before", "broadcast");

  /**
   * Rounds of: for each variant (in an order that rotates from round to round) a Spark step and
   * its Adam update, followed by a floor step and a local step (LocalGradients with as many
   * shards, on as many threads as task slots) and its Adam update; so that all see the same
   * machine, which others may share. The ratio to local pairs each Spark step with the local step
   * after it.
   */
  private static List<Result> steps(JavaSparkContext jsc, StepListener listener, Network net,
      Block train, int batch, int partitions, int slots, int depth, int steps, int warmup,
      Floor floor, List<String> variants, int microBatch) throws InterruptedException {
    int nv = variants.size();
    float[] params = new float[net.paramCount()];
    float[] buffers = new float[net.bufferCount()];
    net.initialize(params, buffers, 42);
    float[] localParams = params.clone();
    float[] localBuffers = buffers.clone();
    Optimizer adam = OptimizerSpec.defaults("adam").build(net.weights());
    Optimizer localAdam = OptimizerSpec.defaults("adam").build(net.weights());
    float[] g = new float[params.length];
    double[][] step = new double[nv][steps];
    double[][] compute = new double[nv][steps];
    double[][] computeCpu = new double[nv][steps];
    double[][] overhead = new double[nv][steps];
    double[][] floors = new double[nv][steps];
    double[][] empties = new double[nv][steps];
    double[][] bounds = new double[nv][steps];
    double[][] ratios = new double[nv][steps];
    double[] loopMs = new double[nv];
    boolean[] loops = new boolean[nv];
    double[] localMs = new double[nv];
    List<Map<String, Double>> sums = new ArrayList<>();
    for (int v = 0; v < nv; v++) sums.add(new LinkedHashMap<>());
    try (SparkGradients source =
        new SparkGradients(jsc, net, train, batch, partitions, 42, 1000, depth, microBatch);
        LocalGradients local =
            new LocalGradients(net, train, batch, partitions, slots, 42, microBatch)) {
      source.recordComputeTimes();
      int perEpoch = source.stepsPerEpoch();
      boolean localMode = jsc.isLocal();
      int i = 0;
      for (int round = 0; round < warmup + steps; round++) {
        for (int j = 0; j < nv; j++, i++) {
          int v = (round + j) % nv;
          String variant = variants.get(v);
          String base = variant.replaceAll("-no(compress|checksum)$", "");
          boolean byReference = base.equals("default") || base.equals("job");
          if (localMode) StepSums.handOff(source, byReference);
          boolean looping = StepSums.stepLoops(source, base.equals("default"));
          loops[v] = looping;
          StepSums.destroyInBackground(source, !base.equals("before"));
          // Broadcast settings TorrentBroadcast reads for each new broadcast.
          String setting = variant.endsWith("-nocompress") ? "spark.broadcast.compress"
              : variant.endsWith("-nochecksum") ? "spark.broadcast.checksum" : null;
          SparkConf live = SparkEnv.get().conf();
          String was = setting == null ? null : live.get(setting, "true");
          if (setting != null) live.set(setting, "false");
          long t0 = System.nanoTime();
          Gradient grad = source.compute(params, buffers, i / perEpoch, i % perEpoch);
          long t1 = System.nanoTime();
          update(adam, params, g, grad);
          long t2 = System.nanoTime();
          // A broadcast left for the next step would be destroyed by whichever variant comes
          // next: destroy it now and charge it to this step (as "before" does within its step).
          long destroyed = nv > 1 ? StepSums.destroyWeightsNow(source) : 0;
          if (setting != null) live.set(setting, was);
          // A loop holds the task slots between its steps: the floor and the empty job, which
          // need them, are measured after the rounds for a loop's steps.
          StepListener.Job job = looping ? null : listener.next();
          SparkGradients.StepTimes times = source.lastStepTimes();
          long[] taskCompute = source.lastComputeNanos();
          long[] taskCpu = source.lastComputeCpuNanos();
          double f = looping ? Double.NaN : floor.step(jsc);
          long empty = looping ? 0 : StepSums.emptyJob(source);
          long t3 = System.nanoTime();
          update(localAdam, localParams, g,
              local.compute(localParams, localBuffers, i / perEpoch, i % perEpoch));
          long t4 = System.nanoTime();
          if (round < warmup) continue;
          int k = round - warmup;
          step[v][k] = (t1 - t0 + destroyed) / 1e6;
          compute[v][k] = concurrent(taskCompute, partitions, slots) / 1e6;
          computeCpu[v][k] = concurrent(taskCpu, partitions, slots) / 1e6;
          overhead[v][k] = step[v][k] - compute[v][k];
          floors[v][k] = f;
          empties[v][k] = empty / 1e6;
          // The best a Spark step could do: its tasks' compute, Spark's empty job around them
          // (none in a loop), the driver's sum and the update.
          bounds[v][k] = (t4 - t3) / (concurrent(taskCompute, partitions, slots) + empty
              + times.sumNanos() + (double) (t2 - t1));
          loopMs[v] += (t2 - t0 + destroyed) / 1e6;
          localMs[v] += (t4 - t3) / 1e6;
          ratios[v][k] = (t4 - t3) / (double) (t2 - t0 + destroyed);
          breakdown(sums.get(v), times, job, taskCompute, (t2 - t1) / 1e6,
              (t2 - t0 + destroyed) / 1e6, destroyed / 1e6);
        }
      }
      // The loops' floor and empty jobs, now that no loop holds the slots.
      StepSums.stepLoops(source, false);
      for (int v = 0; v < nv; v++) {
        if (!loops[v]) continue;
        for (int k = 0; k < steps; k++) {
          floors[v][k] = floor.step(jsc);
          empties[v][k] = StepSums.emptyJob(source) / 1e6;
        }
      }
    }
    List<Result> results = new ArrayList<>();
    for (int v = 0; v < nv; v++) {
      Map<String, Double> means = new LinkedHashMap<>();
      sums.get(v).forEach((key, x) -> means.put(key, x / steps));
      results.add(new Result(median(step[v]), median(compute[v]), median(computeCpu[v]),
          median(overhead[v]), batch / (loopMs[v] / steps / 1e3),
          batch / (localMs[v] / steps / 1e3), ratios[v], floors[v], empties[v], bounds[v],
          means, loops[v]));
    }
    return results;
  }

  /** Adds one step's breakdown (ms) to the sums. Modified: sums. */
  private static void breakdown(Map<String, Double> sums, SparkGradients.StepTimes times,
      StepListener.Job job, long[] taskCompute, double updateMs, double stepMs,
      double leftOverDestroyMs) {
    double jobMs = times.jobNanos() / 1e6;
    add(sums, "broadcast_create", times.broadcastNanos() / 1e6);
    add(sums, "broadcast_destroy", times.destroyNanos() / 1e6 + leftOverDestroyMs);
    add(sums, "job", jobMs);
    if (job == null) {
      // A loop's step: no job of its own. Its "job" is posting the step to the running tasks
      // until every sum is back (a new loop's job start included on its first step); beyond the
      // compute, that is the loop's hand-over.
      double c = 0;
      for (long t : taskCompute) c = Math.max(c, t / 1e6);
      add(sums, "loop_handover", jobMs - c);
    } else {
      add(sums, "job_outside_tasks", jobMs - job.taskSpan());
      add(sums, "job_submit_to_first_launch", firstLaunch(job) - job.submitted());
      add(sums, "job_last_finish_to_end", job.completed() - lastFinish(job));
    }
    int n = job == null ? 0 : job.tasks().size();
    for (StepListener.Task t : job == null ? List.<StepListener.Task>of() : job.tasks()) {
      add(sums, "task_scheduler_delay", t.schedulerDelay() / n);
      add(sums, "task_deserialize", t.deserialize() / n);
      add(sums, "task_run", t.run() / n);
      add(sums, "task_result_serialize", t.resultSerialize() / n);
      add(sums, "task_getting_result", t.gettingResult() / n);
    }
    double c = 0;
    for (long t : taskCompute) c += t / 1e6 / taskCompute.length;
    add(sums, "task_compute", c);
    add(sums, "driver_sum", times.sumNanos() / 1e6);
    add(sums, "driver_update", updateMs);
    add(sums, "step", stepMs);
  }

  private static void update(Optimizer adam, float[] params, float[] g, Gradient grad) {
    float inv = 1f / grad.count;
    for (int j = 0; j < g.length; j++) g[j] = grad.grad[j] * inv;
    adam.step(params, g, 1e-3f);
  }

  private static void add(Map<String, Double> sums, String key, double v) {
    sums.merge(key, v, Double::sum);
  }

  private static long firstLaunch(StepListener.Job job) {
    return job.tasks().stream().mapToLong(StepListener.Task::launch).min().orElse(job.submitted());
  }

  private static long lastFinish(StepListener.Job job) {
    return job.tasks().stream().mapToLong(StepListener.Task::finish).max().orElse(job.completed());
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
      boolean localMode = jsc.isLocal();
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

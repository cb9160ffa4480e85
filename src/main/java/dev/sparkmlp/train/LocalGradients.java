package dev.sparkmlp.train;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.math.Ranges;
import dev.sparkmlp.math.Vec;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.Workspace;

/**
 * Gradients computed by threads in this JVM, no Spark. The global batch is split over shards
 * exactly as {@link Shards} lays it out for Spark partitions; each shard has its own workspace, and
 * the threads take shards round-robin. The shard gradients are then added in the tree of
 * {@link Shards#sumGroupSize} (up to 32 shards: in shard order), each thread summing its own slice
 * of the parameter vector, so the result does not depend on the thread count and is bitwise that
 * of Spark with as many partitions. The shards and the sum are one run of the worker pool, with a
 * barrier between them, so the workers are woken once per step for both; a {@link SumPass} given
 * to {@link #compute(float[], float[], int, int, SumPass)} (the trainer's mean and update) runs in
 * that run too, each worker on the slice it summed.
 *
 * <p>A step allocates nothing: workspaces, orders, the result and the group-sum scratch are
 * created once.
 */
public final class LocalGradients implements GradientSource {
  private final Network net;
  private final Block data;
  private final Shards shards;
  private final int batch;
  private final int steps;
  private final int microBatch;
  private final long seed;
  private final WorkerPool pool;
  private final Workspace[] ws;
  private final int[][] order;     // per shard: this epoch's order of dataset rows
  private final int[] orderEpoch;  // epoch each order was drawn for
  private final Gradient result = new Gradient();
  private final int group;         // Shards.sumGroupSize(shard count)
  private final float[] groupGrad; // scratch for one group's sum; null with one group
  private final float[] groupStats;
  // Bound once: a method reference evaluated per step would allocate per step.
  private final java.util.function.IntConsumer computeJob = this::shardsOfThread;
  private final java.util.function.IntConsumer sumJob = this::sumSlice;

  // The current step, published to the workers by the barrier in WorkerPool.run.
  private SumPass then;
  private float[] params;
  private float[] buffers;
  private int epoch;
  private int step;

  /**
   * @param shardCount how the batch is split (the same as the Spark partition count to compare
   *     against a Spark run); threads run the shards and default to the core count
   */
  public LocalGradients(Network net, Block data, int batch, int shardCount, int threads, long seed) {
    this(net, data, batch, shardCount, threads, seed, 0);
  }

  /**
   * @param microBatch when positive, each shard accumulates its rows of a step this many at a
   *     time ({@link Shards#accumulate}), and its workspace holds this many rows; 0: all at once
   */
  public LocalGradients(Network net, Block data, int batch, int shardCount, int threads, long seed,
      int microBatch) {
    if (data.rows == 0) throw new IllegalArgumentException("the training set is empty");
    net.checkData(data, "training data");
    this.net = net;
    this.data = data;
    this.batch = batch;
    this.seed = seed;
    this.shards = Shards.assign(data.rows, shardCount, seed);
    this.steps = shards.stepsPerEpoch(batch);
    Shards.checkMicroBatch(net, microBatch, Shards.rowsPerStep(0, shardCount, batch));
    this.microBatch = microBatch;
    this.pool = new WorkerPool(Math.min(threads, shardCount), "sparkmlp-local");
    this.ws = new Workspace[shardCount];
    this.order = new int[shardCount][];
    this.orderEpoch = new int[shardCount];
    for (int p = 0; p < shardCount; p++) {
      ws[p] = net.newWorkspace(
          Shards.workspaceRows(Shards.rowsPerStep(p, shardCount, batch), microBatch));
      order[p] = new int[shards.size(p)];
      orderEpoch[p] = -1;
    }
    result.grad = new float[net.paramCount()];
    result.batchStats = new float[net.bufferCount()];
    this.group = Shards.sumGroupSize(shardCount);
    boolean grouped = group < shardCount;
    this.groupGrad = grouped ? new float[net.paramCount()] : null;
    this.groupStats = grouped ? new float[net.bufferCount()] : null;
  }

  @Override
  public long rows() {
    return data.rows;
  }

  @Override
  public int shards() {
    return shards.count();
  }

  @Override
  public int batchSize() {
    return batch;
  }

  @Override
  public int stepsPerEpoch() {
    return steps;
  }

  @Override
  public String describe() {
    return "local (" + pool.threads() + " threads, " + shards.count() + " shards)";
  }

  @Override
  public Gradient compute(float[] params, float[] buffers, int epoch, int step) {
    return compute(params, buffers, epoch, step, null);
  }

  /**
   * As {@link GradientSource#compute(float[], float[], int, int, SumPass)}: each worker runs
   * {@code then} over its slice of the sum right after summing it, in the run that computed the
   * shards.
   */
  @Override
  public Gradient compute(float[] params, float[] buffers, int epoch, int step, SumPass then) {
    if (step < 0 || step >= steps) throw new IllegalArgumentException("step " + step + " outside [0, " + steps + ")");
    this.params = params;
    this.buffers = buffers;
    this.epoch = epoch;
    this.step = step;
    this.then = then;
    try {
      // One run: the shards, then behind the pool's barrier the sum, each thread its slice.
      pool.run(computeJob, sumJob);
    } finally {
      this.then = null;
    }
    result.lossSum = lossSum();
    result.count = 0;
    result.correct = 0;
    for (Workspace w : ws) {
      result.count += w.count();
      result.correct += w.correct();
    }
    result.shards = ws.length;
    return result;
  }

  /** The loss sum over the shards, added in the tree of {@link Shards#sumGroupSize}. */
  private double lossSum() {
    double total = 0;
    for (int lo = 0; lo < ws.length; lo += group) {
      int hi = Math.min(ws.length, lo + group);
      double loss = ws[lo].lossSum();
      for (int p = lo + 1; p < hi; p++) loss += ws[p].lossSum();
      total = lo == 0 ? loss : total + loss;
    }
    return total;
  }

  /** Worker t computes shards t, t+T, t+2T, ... */
  private void shardsOfThread(int t) {
    int p = ws.length;
    for (int s = t; s < p; s += pool.threads()) computeShard(s);
  }

  private void computeShard(int p) {
    int[] rows = shards.rows(p);
    int[] ord = order[p];
    if (orderEpoch[p] != epoch) {
      // The epoch order permutes positions within the shard; map them to dataset rows once.
      Shards.epochOrder(seed, epoch, p, ord, rows.length);
      for (int i = 0; i < ord.length; i++) ord[i] = rows[ord[i]];
      orderEpoch[p] = epoch;
    }
    int b = Shards.rowsPerStep(p, ws.length, batch);
    Workspace w = ws[p];
    w.reset();
    Shards.accumulate(net, params, buffers, data, ord, step * b, step * b + b, microBatch,
        Shards.dropoutKey(seed, epoch, step, p), w);
  }

  /**
   * Worker t sums its slice of the parameter vector over the shards in the tree of
   * {@link Shards#sumGroupSize}: each group in shard order (into the result for group 0, into the
   * scratch for the others), then each later group's sum added to the result in group order.
   */
  private void sumSlice(int t) {
    int threads = pool.threads();
    sumRange(result.grad, groupGrad, t, threads, true);
    sumRange(result.batchStats, groupStats, t, threads, false);
    SumPass pass = then;
    if (pass != null) {
      // Every worker adds the same counts in the same order: the values compute() returns.
      long count = 0;
      for (Workspace w : ws) count += w.count();
      int n = result.grad.length;
      pass.run(result.grad, count, lossSum(), (int) ((long) t * n / threads),
          (int) ((long) (t + 1) * n / threads));
    }
  }

  private void sumRange(float[] out, float[] scratch, int t, int threads, boolean grad) {
    int n = out.length;
    int lo = (int) ((long) t * n / threads);
    int hi = (int) ((long) (t + 1) * n / threads);
    for (int first = 0; first < ws.length; first += group) {
      float[] sum = first == 0 ? out : scratch;
      int end = Math.min(ws.length, first + group);
      // The first two shards in one pass, sum := x0 + x1, rather than a copy and an add.
      if (end - first >= 2) {
        Vec.sum(hi - lo, part(first, grad), part(first + 1, grad), lo, sum);
      } else {
        System.arraycopy(part(first, grad), lo, sum, lo, hi - lo);
      }
      for (int p = first + 2; p < end; p++) Vec.add(hi - lo, part(p, grad), lo, sum, lo);
      if (first > 0) Vec.add(hi - lo, scratch, lo, out, lo);
    }
  }

  private float[] part(int p, boolean grad) {
    return grad ? ws[p].grad() : ws[p].batchStats();
  }

  /** Rows of shard p's workspace: its rows per step, or the micro-batch when smaller. */
  public int workspaceRows(int p) {
    return ws[p].maxRows();
  }

  /**
   * The worker threads, each on one contiguous part of [0, n) (the slices of the gradient sum):
   * the optimizer update then runs on both cores while they would otherwise wait for the next
   * step.
   */
  @Override
  public Ranges ranges() {
    return parts;
  }

  private final Parts parts = new Parts();

  /** Splits a pass like {@link #sumSlice}; bound once, so a split pass allocates nothing. */
  private final class Parts implements Ranges, java.util.function.IntConsumer {
    private int n;
    private Ranges.Job job;

    @Override
    public void forEach(int n, Ranges.Job job) {
      this.n = n;
      this.job = job;
      try {
        pool.run(this);
      } finally {
        this.job = null;
      }
    }

    @Override
    public void accept(int t) {
      int threads = pool.threads();
      job.run((int) ((long) t * n / threads), (int) ((long) (t + 1) * n / threads));
    }
  }

  @Override
  public void close() {
    pool.close();
  }
}

package dev.sparkmlp.train;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.OutputMetric;
import dev.sparkmlp.nn.Workspace;
import java.util.Arrays;
import java.util.List;

/**
 * Inference over a dataset by threads in this JVM: the rows are split into one contiguous range per
 * thread, and the per-thread sums (loss, correct, count and one per {@link OutputMetric}) are added
 * in thread order.
 */
public final class LocalEvaluator implements Evaluator {
  private static final int CHUNK = 512;

  private final Network net;
  private final Block data;
  private final WorkerPool pool;
  private final Workspace[] ws;
  private final OutputMetric[] metrics;
  /** sums[t][i]: thread t's sum of metrics[i], beside its workspace. */
  private final double[][] sums;
  private final double[] total;
  private final java.util.function.IntConsumer job = this::evaluateRange;
  private float[] params;
  private float[] buffers;

  public LocalEvaluator(Network net, Block data, int threads, String what) {
    this(net, data, threads, what, List.of());
  }

  /** @param metrics summed beside the loss; their means are the {@link Metrics#extras()} */
  public LocalEvaluator(Network net, Block data, int threads, String what,
      List<? extends OutputMetric> metrics) {
    net.checkData(data, what);
    this.net = net;
    this.data = data;
    this.metrics = Metrics.checked(metrics);
    int t = Math.max(1, Math.min(threads, data.rows / CHUNK + 1));
    this.pool = new WorkerPool(t, "sparkmlp-eval");
    this.ws = new Workspace[t];
    this.sums = new double[t][this.metrics.length];
    this.total = new double[this.metrics.length];
    for (int i = 0; i < t; i++) ws[i] = net.newWorkspace(Math.min(CHUNK, Math.max(1, data.rows)));
  }

  @Override
  public long rows() {
    return data.rows;
  }

  @Override
  public synchronized Metrics evaluate(float[] params, float[] buffers) {
    this.params = params;
    this.buffers = buffers;
    pool.run(job);
    double loss = 0;
    long count = 0, correct = 0;
    Arrays.fill(total, 0);
    for (int t = 0; t < ws.length; t++) {
      loss += ws[t].lossSum();
      count += ws[t].count();
      correct += ws[t].correct();
      for (int i = 0; i < total.length; i++) total[i] += sums[t][i];
    }
    return Metrics.of(loss, correct, count, metrics, total);
  }

  private void evaluateRange(int t) {
    int n = data.rows;
    int lo = (int) ((long) t * n / ws.length);
    int hi = (int) ((long) (t + 1) * n / ws.length);
    ws[t].reset();
    Arrays.fill(sums[t], 0);
    if (hi > lo) net.evaluate(params, buffers, data, lo, hi, ws[t], metrics, sums[t]);
  }

  @Override
  public void close() {
    pool.close();
  }
}

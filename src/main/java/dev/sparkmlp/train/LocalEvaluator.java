package dev.sparkmlp.train;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.Workspace;

/**
 * Inference over a dataset by threads in this JVM: the rows are split into one contiguous range per
 * thread, and the per-thread sums are added in thread order.
 */
public final class LocalEvaluator implements Evaluator {
  private static final int CHUNK = 512;

  private final Network net;
  private final Block data;
  private final WorkerPool pool;
  private final Workspace[] ws;
  private final java.util.function.IntConsumer job = this::evaluateRange;
  private float[] params;
  private float[] buffers;

  public LocalEvaluator(Network net, Block data, int threads, String what) {
    net.checkData(data, what);
    this.net = net;
    this.data = data;
    int t = Math.max(1, Math.min(threads, data.rows / CHUNK + 1));
    this.pool = new WorkerPool(t, "sparkmlp-eval");
    this.ws = new Workspace[t];
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
    double loss = 0, bce = 0, mse = 0;
    long count = 0, correct = 0;
    for (Workspace w : ws) {
      loss += w.lossSum();
      bce += w.bceSum();
      mse += w.halfMseSum();
      count += w.count();
      correct += w.correct();
    }
    return Metrics.of(loss, correct, count, bce, mse);
  }

  private void evaluateRange(int t) {
    int n = data.rows;
    int lo = (int) ((long) t * n / ws.length);
    int hi = (int) ((long) (t + 1) * n / ws.length);
    ws[t].reset();
    if (hi > lo) net.evaluate(params, buffers, data, lo, hi, ws[t]);
  }

  @Override
  public void close() {
    pool.close();
  }
}

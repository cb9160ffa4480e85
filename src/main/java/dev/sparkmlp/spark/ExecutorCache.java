package dev.sparkmlp.spark;

import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.Workspace;
import dev.sparkmlp.train.Gradient;
import dev.sparkmlp.train.Shards;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * Per-JVM state of the runs whose tasks execute here, so that a step allocates only its result:
 * the network (deserialized from its broadcast once), a pool of workspaces, and each partition's
 * visiting order of the current epoch. An executor may run several tasks of one run at once, so
 * the workspaces are lent to one task at a time and the orders never change once published.
 *
 * <p>Runs are keyed by an id the driver draws for each {@link SparkGradients} and
 * {@link SparkEvaluation}. The least recently used runs beyond {@link #MAX_RUNS} are dropped, and
 * {@link #forget} drops a run at once (effective in local mode, where the driver is the executor).
 */
final class ExecutorCache {
  static final int MAX_RUNS = 8;

  private static final Map<Long, Run> RUNS = new LinkedHashMap<>(16, 0.75f, true);
  /** Local mode: each run's current step weights, published by the driver in this JVM. */
  private static final Map<Long, StepWeights> HANDED_OFF = new ConcurrentHashMap<>();
  /** Local mode: each run's partition sums of the last step, keyed by run, then partition. */
  private static final Map<Long, Map<Integer, Sum>> HANDED_BACK = new ConcurrentHashMap<>();
  /** Local mode: each run's reused result Gradient per partition. */
  private static final Map<Long, Map<Integer, Gradient>> BUFFERS = new ConcurrentHashMap<>();

  private record Sum(int epoch, int step, Gradient g) {}

  private ExecutorCache() {}

  /** The run's state, created by the first task of the run in this JVM. */
  static Run run(long runId, Supplier<Network> network) {
    synchronized (RUNS) {
      Run r = RUNS.get(runId);
      if (r != null) return r;
    }
    // Outside the lock: the first read of a broadcast may fetch it over the network.
    Network net = network.get();
    synchronized (RUNS) {
      Run r = RUNS.computeIfAbsent(runId, id -> new Run(net));
      while (RUNS.size() > MAX_RUNS) RUNS.remove(RUNS.keySet().iterator().next());
      return r;
    }
  }

  /** Rows of the run's idle workspaces in this JVM; empty when the run has none here. */
  static int[] workspaceRows(long runId) {
    Run r;
    synchronized (RUNS) {
      r = RUNS.get(runId);
    }
    return r == null ? new int[0] : r.free.stream().mapToInt(Workspace::maxRows).toArray();
  }

  /**
   * Local mode, on the driver: the weights of the run's next job; null withdraws them. In local
   * mode Spark's broadcast hands the tasks the driver's object itself as well, so this skips only
   * the broadcast's bookkeeping (serialized pieces, block-manager puts, their destruction).
   */
  static void handOff(long runId, StepWeights w) {
    if (w == null) {
      HANDED_OFF.remove(runId);
    } else {
      HANDED_OFF.put(runId, w);
    }
  }

  /** In a task: the weights the driver handed off for the run; fails outside the driver's JVM. */
  static StepWeights handedOff(long runId) {
    StepWeights w = HANDED_OFF.get(runId);
    if (w == null) {
      throw new IllegalStateException("no weights handed off for run " + runId + " in this JVM:"
          + " weights go by reference only in local mode");
    }
    return w;
  }

  /**
   * Local mode, in a task: partition p's result Gradient, reused from step to step. The driver
   * reads it (and its sum tree adds into partition 0's) before it starts the next step's job, so
   * no task writes one while the driver still reads it.
   */
  static Gradient resultBuffer(long runId, int p) {
    return BUFFERS.computeIfAbsent(runId, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(p, k -> new Gradient());
  }

  /** Local mode, in a task: partition p's sum of (epoch, step), for the driver. */
  static void handBack(long runId, int p, int epoch, int step, Gradient g) {
    HANDED_BACK.computeIfAbsent(runId, k -> new ConcurrentHashMap<>())
        .put(p, new Sum(epoch, step, g));
  }

  /** Local mode, on the driver after the job: partition p's sum of (epoch, step). */
  static Gradient handedBack(long runId, int p, int epoch, int step) {
    Map<Integer, Sum> sums = HANDED_BACK.get(runId);
    Sum s = sums == null ? null : sums.get(p);
    if (s == null || s.epoch != epoch || s.step != step) {
      throw new IllegalStateException("partition " + p + " handed back no sum for epoch "
          + (epoch + 1) + " step " + (step + 1) + " in this JVM");
    }
    return s.g;
  }

  static void forget(long runId) {
    HANDED_OFF.remove(runId);
    HANDED_BACK.remove(runId);
    BUFFERS.remove(runId);
    synchronized (RUNS) {
      RUNS.remove(runId);
    }
  }

  static final class Run {
    final Network net;
    private final ConcurrentLinkedQueue<Workspace> free = new ConcurrentLinkedQueue<>();
    private final ConcurrentHashMap<Integer, Order> orders = new ConcurrentHashMap<>();

    Run(Network net) {
      this.net = net;
    }

    /** A workspace of at least {@code maxRows} rows for the calling task's exclusive use. */
    Workspace acquire(int maxRows) {
      Workspace w = free.poll();
      while (w != null && w.maxRows() < maxRows) w = free.poll();
      return w != null ? w : net.newWorkspace(maxRows);
    }

    void release(Workspace w) {
      free.offer(w);
    }

    /**
     * Partition p's visiting order of its {@code n} rows in {@code epoch}, as
     * {@link Shards#epochOrder} draws it: once per partition and epoch, never modified afterwards.
     */
    int[] order(long seed, int epoch, int p, int n) {
      Order o = orders.get(p);
      if (o != null && o.epoch == epoch) return o.order;
      return orders.compute(p, (k, old) -> {
        if (old != null && old.epoch == epoch) return old;
        int[] order = new int[n];
        Shards.epochOrder(seed, epoch, p, order, n);
        return new Order(epoch, order);
      }).order;
    }
  }

  private record Order(int epoch, int[] order) {}
}

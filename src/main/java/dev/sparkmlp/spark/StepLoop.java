package dev.sparkmlp.spark;

import dev.sparkmlp.spark.StepTasks.StepOp;
import dev.sparkmlp.train.Gradient;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Local mode: the steps of an epoch in one Spark job. The job is a barrier stage over the cached
 * blocks, so Spark starts its P tasks together or not at all; each task then serves its
 * partition's share of step after step, as the driver posts them, until the driver ends the loop.
 *
 * <pre>
 * driver, step s:  post(op_s)            the weights w_s are handed off by reference, as before
 *                  await()               every partition's sum of step s, handed back by reference
 *                  sum in the tree, update w, post(op_(s+1)) ... end() after the epoch's last step
 * task p:          next() -> op_s; g_p = op_s(block_p); deliver(p, g_p); next() -> op_(s+1) ...
 * </pre>
 *
 * <p>A step is still the weights going out and the partition sums coming back, with the update on
 * the driver in between; what the loop saves is Spark's cost of a job per step (scheduling, task
 * serialization and launch, the result's path back, the listener events), which in local[2] was
 * most of a step's overhead. The partitions compute exactly what a per-step job's tasks compute,
 * into the same reused buffers, and the driver adds the sums in the same tree, so the results are
 * bitwise those of per-step jobs.
 *
 * <p>Tasks wait for the next step only while the driver is busy with the last one. When no step
 * comes for {@link #IDLE_NANOS} after the last was delivered (the training loop stopped, or a
 * listener runs something slow or a Spark job of its own), the tasks end the loop and free their
 * slots, and the driver's next step starts a new loop. A failed task fails the job, which wakes the
 * driver with the failure; a killed task (its job cancelled) returns at its next check, within
 * {@link #POLL_MILLIS}.
 */
final class StepLoop {
  /** Tasks end the loop when the driver has posted no step for this long after the last. */
  static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** How often a waiting task checks whether Spark has killed it. */
  static final long POLL_MILLIS = 20;

  private static final Map<Long, StepLoop> LOOPS = new ConcurrentHashMap<>();
  private static final AtomicLong NEXT_ID = new AtomicLong(1);

  /** A step for the tasks: its sequence number in this loop and what to compute. */
  record Request(int seq, StepOp op) {}

  final long id = NEXT_ID.getAndIncrement();
  private final int partitions;
  private final boolean timeCompute;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Gradient[] results;
  private final int[] deliveredSeq;
  private final long[] computeNanos;
  private final long[] computeCpuNanos;
  private StepOp op;
  private int seq;
  private int pending;
  private long idleSince = System.nanoTime();
  private boolean ended;
  private Throwable failure;

  private StepLoop(int partitions, boolean timeCompute) {
    this.partitions = partitions;
    this.timeCompute = timeCompute;
    this.results = new Gradient[partitions];
    this.deliveredSeq = new int[partitions];
    this.computeNanos = new long[partitions];
    this.computeCpuNanos = new long[partitions];
  }

  /** A new loop for {@code partitions} tasks, reachable by its {@link #id} in this JVM. */
  static StepLoop open(int partitions, boolean timeCompute) {
    StepLoop loop = new StepLoop(partitions, timeCompute);
    LOOPS.put(loop.id, loop);
    return loop;
  }

  /** In a task: the loop {@code id}; fails outside the driver's JVM or after it was closed. */
  static StepLoop attach(long id) {
    StepLoop loop = LOOPS.get(id);
    if (loop == null) {
      throw new IllegalStateException("no step loop " + id + " in this JVM: the loop runs in"
          + " local mode only, and ends with its training run");
    }
    return loop;
  }

  /**
   * On the driver: posts the next step for every partition; returns it with its sequence number.
   * Null when the loop has ended (its tasks went idle, or it failed): the step then needs a new
   * loop.
   */
  Request post(StepOp next) {
    lock.lock();
    try {
      if (ended) return null;
      if (pending > 0) throw new IllegalStateException("step posted before the last one's sums");
      op = next;
      seq++;
      pending = partitions;
      Arrays.fill(results, null);
      changed.signalAll();
      return new Request(seq, op);
    } finally {
      lock.unlock();
    }
  }

  /**
   * On the driver: the partition sums of the posted step, in partition order, once every task has
   * delivered its own; null if they are not all in within {@code millis}. Throws the job's failure
   * once {@link #jobEnded} recorded one, and an IllegalStateException when the loop ended without
   * the sums.
   */
  Gradient[] await(long millis) throws InterruptedException {
    lock.lock();
    try {
      long left = TimeUnit.MILLISECONDS.toNanos(millis);
      while (pending > 0 && !ended && left > 0) left = changed.awaitNanos(left);
      if (failure != null) {
        throw new IllegalStateException(failure.getMessage(), failure);
      }
      if (pending > 0) {
        if (!ended) return null;
        throw new IllegalStateException(pending + " of " + partitions
            + " partitions ended without their sums of the step");
      }
      return results.clone();
    } finally {
      lock.unlock();
    }
  }

  /** On the driver: no more steps; waiting tasks return. Idempotent. */
  void end() {
    stop(null);
  }

  /** Ends the loop, recording {@code failure} unless null or one is recorded; wakes everyone. */
  private void stop(Throwable failure) {
    lock.lock();
    try {
      if (failure != null && this.failure == null) this.failure = failure;
      ended = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * On the driver, when the loop's job has returned: records how it ended ({@code failure} null
   * when it succeeded) and wakes a driver waiting for sums, then forgets the loop.
   */
  void jobEnded(Throwable failure) {
    stop(failure);
    LOOPS.remove(id);
  }

  /**
   * Fails the loop (a remote task's connection broke): a driver waiting for sums throws
   * {@code failure}, and the loop takes no more steps.
   */
  void fail(Throwable failure) {
    stop(failure);
  }

  /**
   * Ends the loop when the last step was complete more than {@code nanos} ago and no step came
   * since: the driver-side idle rule of a remote loop, whose tasks cannot see the driver's state.
   */
  boolean endIfIdle(long nanos) {
    lock.lock();
    try {
      return endedIdle(nanos);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Under the lock: ends the loop, and says so, when the last step was complete more than
   * {@code nanos} ago and none came since; false when it was not idle or had already ended.
   */
  private boolean endedIdle(long nanos) {
    if (ended || pending > 0 || System.nanoTime() - idleSince <= nanos) return false;
    ended = true;
    changed.signalAll();
    return true;
  }

  /** Whether the loop takes no more steps. */
  boolean ended() {
    lock.lock();
    try {
      return ended;
    } finally {
      lock.unlock();
    }
  }

  /** Per-partition compute wall and CPU times of the last step; zeros unless timed. */
  long[][] lastComputeNanos() {
    lock.lock();
    try {
      return new long[][] {computeNanos.clone(), computeCpuNanos.clone()};
    } finally {
      lock.unlock();
    }
  }

  /**
   * In task p: the next step after sequence number {@code seen}, or null when the loop has ended
   * or {@code killed} reports that Spark killed the task. Ends the loop itself when the driver
   * has been idle for {@link #IDLE_NANOS} after the last step was complete.
   */
  Request next(int seen, java.util.function.BooleanSupplier killed) throws InterruptedException {
    lock.lock();
    try {
      while (!ended && seq == seen) {
        if (endedIdle(IDLE_NANOS)) break;
        changed.await(POLL_MILLIS, TimeUnit.MILLISECONDS);
        if (killed.getAsBoolean()) return null;
      }
      return ended || killed.getAsBoolean() ? null : new Request(seq, op);
    } finally {
      lock.unlock();
    }
  }

  /**
   * In task p: its sum of step {@code seq}, computed in {@code nanos} ({@code cpuNanos} of CPU).
   * A second delivery of the same step (a retried attempt) is ignored: the sums are equal.
   */
  void deliver(int p, int seq, Gradient sum, long nanos, long cpuNanos) {
    lock.lock();
    try {
      if (seq != this.seq || deliveredSeq[p] == seq) return;
      deliveredSeq[p] = seq;
      results[p] = sum;
      computeNanos[p] = nanos;
      computeCpuNanos[p] = cpuNanos;
      if (--pending == 0) {
        idleSince = System.nanoTime();
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * In task p: runs {@code r} on its blocks into {@code into}, timed when asked ({@code times},
   * two longs, else null), and delivers.
   */
  void serve(int p, Request r, Gradient into, java.util.List<ShardBlock> blocks, long[] times) {
    Gradient g = StepTasks.sumBlocks(r.op(), null, blocks, into, times);
    deliver(p, r.seq(), g, times == null ? 0 : times[0], times == null ? 0 : times[1]);
  }

  /** Whether this loop's tasks time their steps. */
  boolean timed() {
    return timeCompute;
  }
}

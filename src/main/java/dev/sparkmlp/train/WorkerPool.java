package dev.sparkmlp.train;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A fixed set of threads that run one job at a time, split by worker index. The calling thread is
 * worker 0, so a pool of one thread starts none. Unlike an executor service, a run allocates
 * nothing.
 *
 * <p>A run is a generation number: the caller publishes the job and bumps the generation, the
 * workers run it and count down, and the caller waits for the count to reach 0. Each side waits by
 * spinning, for an adaptive budget of up to {@link #SPIN_NANOS}, then parks until the other
 * unparks it. A local training step at batch 100 is one run of hundreds of microseconds (the
 * shards, then behind a barrier each thread's slice of the gradient sum and of the optimizer
 * update), and a thread that finds its partner still spinning starts at once, where a parked one
 * must first be woken by the scheduler: from tens of microseconds to, on the loaded 2-core KVM
 * guest, a median of about 400 (measured). The budget shrinks when spins end parked, which is
 * what happens on a machine with more runnable threads than cores: there a spinning thread takes
 * the time slice of the one it waits for.
 *
 * <p>{@link #run(IntConsumer, IntConsumer)} runs two jobs in one run with a barrier between them,
 * waited for in the same way: one wake-up of the workers instead of two.
 *
 * <p>Not reentrant: one {@link #run} at a time.
 */
final class WorkerPool implements AutoCloseable {
  /**
   * The longest a waiting thread spins before it parks: enough for the wait at the end of a job
   * (equal shards end close together) and for the driver's bookkeeping between two jobs. Under a
   * load of 20 on 2 cores a fixed 300-microsecond spin ran the benchmark step 2-3x slower than a
   * blocking barrier; hence the bound, and the adaptive budget below it.
   */
  static final long SPIN_NANOS = 50_000;
  /** The least a spin budget shrinks to. */
  static final long MIN_SPIN_NANOS = 1_000;
  /** The owner's current spin budget, see {@link #adapt}. */
  private long ownerSpin = SPIN_NANOS;

  private final int threads;
  private final Thread[] workers;
  /** The thread in {@link #run}, which the last worker to finish unparks. */
  private volatile Thread owner;
  /** Bumped by the caller to start a run; each worker runs once per generation. */
  private volatile long generation;
  /** Workers that have not yet finished the current run. */
  private final AtomicInteger remaining = new AtomicInteger();
  private volatile IntConsumer job;
  /** The job after the barrier of a two-job run; null in a one-job run. */
  private volatile IntConsumer then;
  /** Threads (the caller included) not yet at the barrier of the current two-job run. */
  private final AtomicInteger arriving = new AtomicInteger();
  /** The generation whose barrier has opened. */
  private volatile long opened;
  /** Per thread, its spin budget at the barrier; each thread touches only its own. */
  private final long[] barrierSpin;
  private volatile boolean closed;
  private volatile Throwable failure;

  WorkerPool(int threads, String name) {
    if (threads <= 0) throw new IllegalArgumentException("thread count must be positive: " + threads);
    this.threads = threads;
    this.workers = new Thread[threads - 1];
    this.barrierSpin = new long[threads];
    java.util.Arrays.fill(barrierSpin, SPIN_NANOS);
    for (int t = 1; t < threads; t++) {
      int index = t;
      Thread th = new Thread(() -> loop(index), name + "-" + t);
      th.setDaemon(true);
      workers[t - 1] = th;
      th.start();
    }
  }

  int threads() {
    return threads;
  }

  /**
   * Runs {@code job.accept(t)} for t = 0 .. threads-1 in parallel and waits for all of them.
   * Everything the caller wrote before the call is visible to the job, and everything the job
   * wrote is visible to the caller after it (the generation and the count are volatile).
   */
  void run(IntConsumer job) {
    run(job, null);
  }

  /**
   * Runs {@code first.accept(t)} for t = 0 .. threads-1 in parallel, waits until all of them are
   * done, then runs {@code then.accept(t)} for every t in parallel and waits for those. What any
   * thread wrote in {@code first} is visible to every thread in {@code then} (the barrier's count
   * and generation are volatile). When {@code first} throws on some thread, {@code then} runs on
   * none, and the run throws. {@code then} may be null: a one-job run.
   */
  void run(IntConsumer first, IntConsumer then) {
    if (closed) throw new IllegalStateException("worker pool is closed");
    this.owner = Thread.currentThread();
    this.job = first;
    this.then = then;
    failure = null;
    remaining.set(workers.length);
    arriving.set(threads);
    generation++;
    // Unconditional: a worker still spinning ignores the permit, and one that parked wakes.
    for (Thread w : workers) LockSupport.unpark(w);
    Throwable mine = runJobs(0, generation);
    awaitWorkers();
    Throwable f = mine != null ? mine : failure;
    if (f instanceof RuntimeException r) throw r;
    if (f instanceof Error e) throw e;
    if (f != null) throw new IllegalStateException(f);
  }

  /** Thread t's part of run {@code gen}: the first job, the barrier, the second; what it threw. */
  private Throwable runJobs(int t, long gen) {
    Throwable mine = null;
    try {
      job.accept(t);
    } catch (Throwable e) {
      mine = e;
    }
    IntConsumer second = then;
    if (second == null) return mine;
    if (mine != null) failure = mine;
    if (arriving.decrementAndGet() == 0) {
      opened = gen;
      // The last to arrive wakes those that parked; a spinning thread ignores the permit.
      if (t != 0) LockSupport.unpark(owner);
      for (int w = 0; w < workers.length; w++) if (w + 1 != t) LockSupport.unpark(workers[w]);
    } else {
      awaitBarrier(t, gen);
    }
    if (failure != null) return mine;
    try {
      second.accept(t);
    } catch (Throwable e) {
      mine = e;
    }
    return mine;
  }

  /** Waits until the barrier of run {@code gen} opens: spin, then park, as between runs. */
  private void awaitBarrier(int t, long gen) {
    long start = System.nanoTime();
    boolean parked = false;
    long spin = barrierSpin[t];
    while (opened != gen) {
      if (System.nanoTime() - start < spin) {
        Thread.onSpinWait();
      } else {
        parked = true;
        LockSupport.parkNanos(this, 1_000_000);
      }
    }
    barrierSpin[t] = adapt(spin, parked);
  }

  private void awaitWorkers() {
    if (remaining.get() == 0) return;
    long start = System.nanoTime();
    boolean parked = false;
    while (remaining.get() > 0) {
      if (System.nanoTime() - start < ownerSpin) {
        Thread.onSpinWait();
      } else {
        // The last worker to finish unparks the owner; a stale permit only costs a recheck.
        parked = true;
        LockSupport.parkNanos(this, 1_000_000);
      }
    }
    ownerSpin = adapt(ownerSpin, parked);
  }

  /**
   * The next spin budget: doubled (up to {@link #SPIN_NANOS}) after a wait the spin covered,
   * halved (down to {@link #MIN_SPIN_NANOS}) after one that ended parked. On a busy machine,
   * where the thread waited for is often not running, the pool so comes to block almost at once,
   * as a barrier does; on an idle one it keeps spinning.
   */
  private static long adapt(long budget, boolean parked) {
    return parked ? Math.max(MIN_SPIN_NANOS, budget / 2) : Math.min(SPIN_NANOS, budget * 2);
  }

  private void loop(int index) {
    long seen = 0;
    long spin = SPIN_NANOS;
    while (true) {
      if (generation == seen && !closed) {
        long start = System.nanoTime();
        boolean parked = false;
        while (generation == seen && !closed) {
          if (System.nanoTime() - start < spin) {
            Thread.onSpinWait();
          } else {
            parked = true;
            LockSupport.park(this);
          }
        }
        spin = adapt(spin, parked);
      }
      if (closed) return;
      seen = generation;
      Throwable e = runJobs(index, seen);
      if (e != null) failure = e;
      if (remaining.decrementAndGet() == 0) LockSupport.unpark(owner);
    }
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    for (Thread t : workers) LockSupport.unpark(t);
  }
}

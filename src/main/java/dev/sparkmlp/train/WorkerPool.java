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
 * spinning for up to {@link #SPIN_NANOS}, then parks until the other unparks it. The spin is what
 * makes a run cheap: a training step at batch 100 runs two jobs of about 200 microseconds each,
 * and waking a parked thread through a lock and condition (as a CyclicBarrier does) took tens of
 * microseconds per crossing on a 2-core machine. The spin is bounded so that a pool between
 * epochs, or waiting on a slow driver, gives its core back.
 *
 * <p>Not reentrant: one {@link #run} at a time.
 */
final class WorkerPool implements AutoCloseable {
  /**
   * How long a waiting thread spins before it parks. Long enough to cover the wait at the end of
   * a job (the shards of a step differ by a few microseconds) and the driver's bookkeeping
   * between two jobs; short, because on a machine with more runnable threads than cores a
   * spinning thread takes the time slice of the one it waits for: with a 300-microsecond spin
   * the benchmark step ran 2-3x slower than with a blocking barrier at a load of 20 on 2 cores.
   */
  static final long SPIN_NANOS = 50_000;

  private final int threads;
  private final Thread[] workers;
  /** The thread in {@link #run}, which the last worker to finish unparks. */
  private volatile Thread owner;
  /** Bumped by the caller to start a run; each worker runs once per generation. */
  private volatile long generation;
  /** Workers that have not yet finished the current run. */
  private final AtomicInteger remaining = new AtomicInteger();
  private volatile IntConsumer job;
  private volatile boolean closed;
  private volatile Throwable failure;

  WorkerPool(int threads, String name) {
    if (threads <= 0) throw new IllegalArgumentException("thread count must be positive: " + threads);
    this.threads = threads;
    this.workers = new Thread[threads - 1];
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
    if (closed) throw new IllegalStateException("worker pool is closed");
    this.owner = Thread.currentThread();
    this.job = job;
    failure = null;
    remaining.set(workers.length);
    generation++;
    // Unconditional: a worker still spinning ignores the permit, and one that parked wakes.
    for (Thread w : workers) LockSupport.unpark(w);
    Throwable mine = null;
    try {
      job.accept(0);
    } catch (Throwable e) {
      mine = e;
    }
    awaitWorkers();
    Throwable f = mine != null ? mine : failure;
    if (f instanceof RuntimeException r) throw r;
    if (f instanceof Error e) throw e;
    if (f != null) throw new IllegalStateException(f);
  }

  private void awaitWorkers() {
    long start = 0;
    while (remaining.get() > 0) {
      if (start == 0) {
        start = System.nanoTime();
      } else if (!pause(start)) {
        // The last worker to finish unparks the owner; a stale permit only costs a recheck.
        LockSupport.parkNanos(this, 1_000_000);
      }
    }
  }

  /** One wait of a spin that began at start; false once {@link #SPIN_NANOS} have passed. */
  private static boolean pause(long start) {
    if (System.nanoTime() - start >= SPIN_NANOS) return false;
    Thread.onSpinWait();
    return true;
  }

  private void loop(int index) {
    long seen = 0;
    while (true) {
      long start = 0;
      while (generation == seen && !closed) {
        if (start == 0) {
          start = System.nanoTime();
        } else if (!pause(start)) {
          LockSupport.park(this);
        }
      }
      if (closed) return;
      seen = generation;
      try {
        job.accept(index);
      } catch (Throwable e) {
        failure = e;
      }
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

package dev.sparkmlp.train;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.function.IntConsumer;

/**
 * A fixed set of threads that run one job at a time, split by worker index. The calling thread is
 * worker 0, so a pool of one thread starts none. Unlike an executor service, a run allocates nothing:
 * the threads meet at a barrier before and after each job.
 *
 * <p>Not reentrant: one {@link #run} at a time.
 */
final class WorkerPool implements AutoCloseable {
  private final int threads;
  private final Thread[] workers;
  private final CyclicBarrier start;
  private final CyclicBarrier done;
  private volatile IntConsumer job;
  private volatile boolean closed;
  private volatile Throwable failure;

  WorkerPool(int threads, String name) {
    if (threads <= 0) throw new IllegalArgumentException("thread count must be positive: " + threads);
    this.threads = threads;
    this.start = new CyclicBarrier(threads);
    this.done = new CyclicBarrier(threads);
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

  /** Runs {@code job.accept(t)} for t = 0 .. threads-1 in parallel and waits for all of them. */
  void run(IntConsumer job) {
    if (closed) throw new IllegalStateException("worker pool is closed");
    this.job = job;
    failure = null;
    await(start);
    Throwable mine = null;
    try {
      job.accept(0);
    } catch (Throwable e) {
      mine = e;
    }
    await(done);
    Throwable f = mine != null ? mine : failure;
    if (f instanceof RuntimeException r) throw r;
    if (f instanceof Error e) throw e;
    if (f != null) throw new IllegalStateException(f);
  }

  private void loop(int index) {
    while (true) {
      if (!awaitQuietly(start) || closed) return;
      try {
        job.accept(index);
      } catch (Throwable e) {
        failure = e;
      }
      if (!awaitQuietly(done)) return;
    }
  }

  private static void await(CyclicBarrier b) {
    if (b.getParties() == 1) return;
    try {
      b.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for workers", e);
    } catch (BrokenBarrierException e) {
      throw new IllegalStateException("a worker thread died", e);
    }
  }

  private static boolean awaitQuietly(CyclicBarrier b) {
    try {
      b.await();
      return true;
    } catch (InterruptedException | BrokenBarrierException e) {
      return false;
    }
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    start.reset();
    done.reset();
    for (Thread t : workers) t.interrupt();
  }
}

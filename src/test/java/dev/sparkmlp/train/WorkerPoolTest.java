package dev.sparkmlp.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {

  @Test
  void everyWorkerRunsEachJobOnce() {
    try (WorkerPool pool = new WorkerPool(3, "test")) {
      AtomicIntegerArray hits = new AtomicIntegerArray(3);
      for (int i = 0; i < 200; i++) pool.run(hits::incrementAndGet);
      for (int t = 0; t < 3; t++) assertEquals(200, hits.get(t));
    }
  }

  @Test
  void aFailingWorkerFailsTheRunAndThePoolStaysUsable() {
    try (WorkerPool pool = new WorkerPool(2, "test")) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run(t -> {
        if (t == 1) throw new IllegalStateException("boom in worker 1");
      }));
      assertEquals("boom in worker 1", e.getMessage());
      AtomicIntegerArray hits = new AtomicIntegerArray(2);
      pool.run(hits::incrementAndGet);
      assertEquals(1, hits.get(1));
    }
  }

  /**
   * Waits longer than the spin budget on both sides: the workers park between runs (the caller
   * sleeps) and the caller parks while a worker is slow. Every run must still see each worker
   * once and the caller must see what the workers wrote.
   */
  @Test
  void runsSurviveWaitsPastTheSpinOnEitherSide() throws Exception {
    try (WorkerPool pool = new WorkerPool(3, "test")) {
      int[] written = new int[3];
      for (int i = 1; i <= 12; i++) {
        int round = i;
        if (i % 2 == 0) Thread.sleep(2); // workers park
        pool.run(t -> {
          if (t == 2 && round % 3 == 0) {
            long end = System.nanoTime() + 2 * WorkerPool.SPIN_NANOS;
            while (System.nanoTime() < end) Thread.onSpinWait(); // the caller parks
          }
          written[t] = round;
        });
        for (int t = 0; t < 3; t++) assertEquals(round, written[t], "run " + round + " worker " + t);
      }
    }
  }

  /**
   * A two-job run: every thread's second job sees what all threads wrote in the first, whichever
   * finishes its first job last, and also when a thread waits past the barrier's spin (it
   * parks) or the workers park between runs.
   */
  @Test
  void theSecondJobSeesEveryFirstJob() throws Exception {
    for (int threads : new int[] {1, 2, 3}) {
      try (WorkerPool pool = new WorkerPool(threads, "test")) {
        int[] first = new int[threads];
        int[][] seen = new int[threads][threads];
        for (int i = 1; i <= 40; i++) {
          int round = i;
          if (i % 10 == 0) Thread.sleep(2);
          int slow = i % threads;
          pool.run(t -> {
            if (t == slow && round % 4 == 0) {
              long end = System.nanoTime() + 2 * WorkerPool.SPIN_NANOS;
              while (System.nanoTime() < end) Thread.onSpinWait();
            }
            first[t] = round;
          }, t -> {
            for (int u = 0; u < threads; u++) seen[t][u] = first[u];
          });
          for (int t = 0; t < threads; t++) {
            for (int u = 0; u < threads; u++) {
              assertEquals(round, seen[t][u], "run " + round + ": thread " + t + " saw " + u);
            }
          }
        }
      }
    }
  }

  @Test
  void aFailingFirstJobSkipsEverySecondJob() {
    try (WorkerPool pool = new WorkerPool(2, "test")) {
      AtomicIntegerArray second = new AtomicIntegerArray(2);
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run(t -> {
        if (t == 1) throw new IllegalStateException("boom in worker 1");
      }, second::incrementAndGet));
      assertEquals("boom in worker 1", e.getMessage());
      assertEquals(0, second.get(0));
      assertEquals(0, second.get(1));
      pool.run(t -> {}, second::incrementAndGet);
      assertEquals(1, second.get(0));
      assertEquals(1, second.get(1));
    }
  }
}

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
}

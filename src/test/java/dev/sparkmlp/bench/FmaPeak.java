package dev.sparkmlp.bench;

import java.util.function.LongSupplier;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The FMA peak of one core, measured: a loop of independent vector FMAs on registers only.
 *
 * <pre>
 * peak = 2 flops x lanes x FMAs retired per cycle x clock
 * </pre>
 *
 * Twelve accumulators cover an FMA latency of 4 cycles on two ports with room to spare, so the
 * loop is limited by FMA throughput alone, at whatever clock the core runs under load. That is
 * the ceiling for any GEMM on this core with this vector width. Only {@link KernelBench} refers
 * to this class, and only when the jdk.incubator.vector module is present.
 */
final class FmaPeak {
  private FmaPeak() {}

  static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

  /** Best GFLOP/s over runs of at least minNanos each, timed by clock. */
  static double measure(LongSupplier clock, int runs, long minNanos) {
    float sink = 0f;
    double best = 0;
    int iters = 1 << 16;
    for (int run = 0; run < runs + 2; run++) {
      long calls = 0;
      long start = clock.getAsLong();
      long elapsed;
      do {
        sink += loop(iters, 1f + sink * 1e-30f);
        calls++;
        elapsed = clock.getAsLong() - start;
      } while (elapsed < minNanos);
      // The first two runs are warm-up, compiled or not.
      if (run >= 2) best = Math.max(best, 2.0 * 12 * SPECIES.length() * iters * calls / elapsed);
    }
    // Used, so that C2 cannot drop the loop.
    if (sink == 42f) System.out.println("#");
    return best;
  }

  /** 12 x iters vector FMAs; returns a lane of their sum. */
  private static float loop(int iters, float seed) {
    FloatVector x = FloatVector.broadcast(SPECIES, 0.999999f);
    FloatVector y = FloatVector.broadcast(SPECIES, 1e-7f);
    FloatVector c0 = FloatVector.broadcast(SPECIES, seed);
    FloatVector c1 = c0.add(1f);
    FloatVector c2 = c0.add(2f);
    FloatVector c3 = c0.add(3f);
    FloatVector c4 = c0.add(4f);
    FloatVector c5 = c0.add(5f);
    FloatVector c6 = c0.add(6f);
    FloatVector c7 = c0.add(7f);
    FloatVector c8 = c0.add(8f);
    FloatVector c9 = c0.add(9f);
    FloatVector c10 = c0.add(10f);
    FloatVector c11 = c0.add(11f);
    for (int i = 0; i < iters; i++) {
      c0 = c0.fma(x, y);
      c1 = c1.fma(x, y);
      c2 = c2.fma(x, y);
      c3 = c3.fma(x, y);
      c4 = c4.fma(x, y);
      c5 = c5.fma(x, y);
      c6 = c6.fma(x, y);
      c7 = c7.fma(x, y);
      c8 = c8.fma(x, y);
      c9 = c9.fma(x, y);
      c10 = c10.fma(x, y);
      c11 = c11.fma(x, y);
    }
    return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10)
        .add(c11).lane(0);
  }
}

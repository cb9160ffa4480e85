package dev.sparkmlp.bench;

import dev.sparkmlp.math.Gemm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Single-threaded GEMM throughput on the shapes of a 784-128-...-128-10 MLP, at batch sizes
 * 100, 1000 and 4096: {@link Gemm#gemm}, the naive loop, and numpy's float32 matmul (OpenBLAS)
 * measured in the same run when a python3 with numpy is found.
 *
 * <pre>
 * scripts/bench/kernel [--batches 100,1000,4096] [--no-naive] [--no-numpy] [--seconds 0.1]
 *                      [--cpu-time]
 * </pre>
 *
 * Each figure is the best of 5 timed runs of at least --seconds each, after a warm-up; best
 * rather than median because the other core is shared and slowdowns only ever come from outside.
 * With --cpu-time the runs are timed by the measuring thread's CPU time instead of the wall
 * clock (in python too), which keeps the figures steady while other processes compete for the
 * two cores.
 * Writes target/bench/kernel.json through {@link BenchReport}.
 */
public final class KernelBench {
  private KernelBench() {}

  /** One GEMM of the MLP at a batch size: op(A) is m x k, op(B) is k x n. */
  private record Shape(String name, int batch, int m, int n, int k, boolean transA,
      boolean transB) {
    double flops() {
      return 2.0 * m * n * k;
    }
  }

  private static List<Shape> shapes(int batch) {
    return List.of(
        // forward, first layer: X (B x 784) * W (784 x 128)
        new Shape("fwd_784x128", batch, batch, 128, 784, false, false),
        // forward, hidden layer: H (B x 128) * W (128 x 128)
        new Shape("fwd_128x128", batch, batch, 128, 128, false, false),
        // forward, output layer: H (B x 128) * W (128 x 10)
        new Shape("fwd_128x10", batch, batch, 10, 128, false, false),
        // weight gradient, first layer: X^T (784 x B) * delta (B x 128)
        new Shape("gradw_784x128", batch, 784, 128, batch, true, false),
        // weight gradient, hidden layer: H^T (128 x B) * delta (B x 128)
        new Shape("gradw_128x128", batch, 128, 128, batch, true, false),
        // backward, hidden layer: delta (B x 128) * W^T (128 x 128)
        new Shape("bwd_128x128", batch, batch, 128, 128, false, true));
  }

  public static void main(String[] args) throws Exception {
    int[] batches = {100, 1000, 4096};
    boolean naive = true;
    boolean numpy = true;
    double seconds = 0.1;
    boolean cpuTime = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--batches" -> batches =
            Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--no-naive" -> naive = false;
        case "--no-numpy" -> numpy = false;
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--cpu-time" -> cpuTime = true;
        default -> {
          System.err.println("unknown argument " + args[i]
              + "; usage: KernelBench [--batches 100,1000,4096] [--no-naive] [--no-numpy]"
              + " [--seconds 0.1] [--cpu-time]");
          System.exit(2);
        }
      }
    }
    long runNanos = (long) (seconds * 1e9);
    if (cpuTime) clock = ManagementFactory.getThreadMXBean()::getCurrentThreadCpuTime;

    BenchReport r = new BenchReport("kernel");
    r.info("gemm", Gemm.implementation());
    r.info("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
    r.info("cpus", String.valueOf(Runtime.getRuntime().availableProcessors()));
    r.info("method", "single thread, best of 5 runs of >= " + seconds + " s "
        + (cpuTime ? "of thread CPU time" : "of wall-clock time") + ", after warm-up");

    NumpyServer np = numpy ? NumpyServer.start() : null;
    if (np != null) {
      r.info("numpy", np.version);
    } else {
      r.add("openblas_sgemm_reference", 175, "GFLOP/s",
          "published reference from the issue (OpenBLAS sgemm, one AVX-512 core), not measured"
              + " in this run" + (numpy ? "; no python3 with numpy found" : ""));
    }

    // Warm-up: every shape, so that C2 has compiled the kernel for every edge case first.
    Random rnd = new Random(1);
    List<Operands> warm = new ArrayList<>();
    for (int batch : batches) for (Shape s : shapes(batch)) warm.add(new Operands(s, rnd));
    for (int round = 0; round < 3; round++) {
      for (Operands o : warm) best(o::ours, o.shape.flops(), 1, runNanos / 2);
    }

    double logOurs = 0;
    double logNumpy = 0;
    int numpyCount = 0;
    for (Operands o : warm) {
      Shape s = o.shape;
      String base = "gemm_" + s.name + "_b" + s.batch;
      double ours = best(o::ours, s.flops(), 5, runNanos);
      r.add(base + "_ours", ours, "GFLOP/s");
      logOurs += Math.log(ours);
      if (np != null) {
        try {
          double theirs = np.measure(s, seconds, cpuTime);
          r.add(base + "_numpy", theirs, "GFLOP/s");
          logNumpy += Math.log(theirs);
          numpyCount++;
        } catch (IOException | NumberFormatException e) {
          System.out.println("# numpy child failed (" + e.getMessage() + "); going on without it");
          np.close();
          np = null;
        }
      }
      if (naive) {
        // One call is long enough for the big shapes; the small ones repeat within the budget.
        r.add(base + "_naive", best(o::naive, s.flops(), 2, runNanos / 2), "GFLOP/s");
      }
    }
    r.add("gemm_geomean_ours", Math.exp(logOurs / warm.size()), "GFLOP/s");
    if (np != null) {
      if (numpyCount == warm.size()) {
        r.add("gemm_geomean_numpy", Math.exp(logNumpy / numpyCount), "GFLOP/s");
      }
      np.close();
    }
    r.write();
  }

  /** Random operands of one shape, stored as the transpose flags say, and C. */
  private static final class Operands {
    final Shape shape;
    final float[] a;
    final float[] b;
    final float[] c;

    Operands(Shape s, Random rnd) {
      this.shape = s;
      a = random(rnd, s.m * s.k);
      b = random(rnd, s.k * s.n);
      c = new float[s.m * s.n];
    }

    void ours() {
      Shape s = shape;
      Gemm.gemm(s.transA, s.transB, s.m, s.n, s.k, 1f, a, 0, s.transA ? s.m : s.k, b, 0,
          s.transB ? s.k : s.n, 0f, c, 0, s.n);
    }

    void naive() {
      Shape s = shape;
      Gemm.naive(s.transA, s.transB, s.m, s.n, s.k, 1f, a, 0, s.transA ? s.m : s.k, b, 0,
          s.transB ? s.k : s.n, 0f, c, 0, s.n);
    }
  }

  private static float[] random(Random rnd, int len) {
    float[] x = new float[len];
    for (int i = 0; i < len; i++) x[i] = rnd.nextFloat() * 2f - 1f;
    return x;
  }

  /** Nanoseconds of wall-clock time, or of this thread's CPU time with --cpu-time. */
  private static LongSupplier clock = System::nanoTime;

  /**
   * Best GFLOP/s over runs, each repeating op for at least minNanos. The clock is read once per
   * batch of calls lasting about a millisecond, because reading the thread CPU time costs about
   * half a microsecond, a twentieth of the smallest GEMM here.
   */
  private static double best(Runnable op, double flops, int runs, long minNanos) {
    long t0 = clock.getAsLong();
    op.run();
    long single = Math.max(1, clock.getAsLong() - t0);
    int batch = (int) Math.max(1, Math.min(1_000_000, 1_000_000 / single));
    double best = 0;
    for (int run = 0; run < runs; run++) {
      long calls = 0;
      long start = clock.getAsLong();
      long elapsed;
      do {
        for (int i = 0; i < batch; i++) op.run();
        calls += batch;
        elapsed = clock.getAsLong() - start;
      } while (elapsed < minNanos);
      best = Math.max(best, flops * calls / elapsed);
      // A single call far over budget (the naive loop at B = 4096) is measured once.
      if (calls == 1 && elapsed > 4 * minNanos) break;
    }
    return best;
  }

  /**
   * A python3 child that times numpy.matmul on request, one shape per line, so that its figures
   * are taken interleaved with ours under the same load.
   */
  private static final class NumpyServer implements AutoCloseable {
    private static final String SCRIPT = """
        import os, sys, time
        import numpy as np
        np.ones((64, 64), dtype=np.float32) @ np.ones((64, 64), dtype=np.float32)
        # The BLAS library numpy actually loaded: a bundled OpenBLAS, or Debian's libblas.so.3
        # alternative, which may be the slow reference BLAS.
        blas = set()
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                name = os.path.basename(path).lower()
                if "blas" in name or "mkl" in name:
                    blas.add(os.path.realpath(path))
        print("ready numpy " + np.__version__ + " BLAS " + (",".join(sorted(blas)) or "unknown"),
              flush=True)
        rng = np.random.default_rng(1)
        for line in sys.stdin:
            m, n, k, ta, tb, secs, cpu = line.split()
            clock = time.thread_time if cpu == "1" else time.perf_counter
            m, n, k, secs = int(m), int(n), int(k), float(secs)
            a = rng.random((k, m) if ta == "1" else (m, k), dtype=np.float32) * 2 - 1
            b = rng.random((n, k) if tb == "1" else (k, n), dtype=np.float32) * 2 - 1
            A = a.T if ta == "1" else a
            B = b.T if tb == "1" else b
            c = np.empty((m, n), dtype=np.float32)
            end = time.perf_counter() + 3 * secs
            while time.perf_counter() < end:
                np.matmul(A, B, out=c)
            best = 0.0
            for run in range(5):
                calls = 0
                t0 = clock()
                while True:
                    np.matmul(A, B, out=c)
                    calls += 1
                    t = clock() - t0
                    if t >= secs:
                        break
                best = max(best, 2.0 * m * n * k * calls / t / 1e9)
            print(best, flush=True)
        """;

    final String version;
    private final Process process;
    private final BufferedReader out;
    private final PrintWriter in;

    private NumpyServer(String version, Process process, BufferedReader out, PrintWriter in) {
      this.version = version;
      this.process = process;
      this.out = out;
      this.in = in;
    }

    /** Null when no candidate python has numpy. */
    static NumpyServer start() {
      String forced = System.getProperty("bench.python");
      List<String> candidates = forced != null ? List.of(forced)
          : List.of("python3", "/usr/bin/python3");
      for (String python : candidates) {
        try {
          ProcessBuilder pb = new ProcessBuilder(python, "-c", SCRIPT);
          // One BLAS thread, like our kernel, and OpenBLAS's own choice of CPU kernel: the
          // environment may pin it to an older core type.
          pb.environment().remove("OPENBLAS_CORETYPE");
          pb.environment().put("OPENBLAS_NUM_THREADS", "1");
          pb.environment().put("OMP_NUM_THREADS", "1");
          pb.environment().put("MKL_NUM_THREADS", "1");
          pb.redirectError(ProcessBuilder.Redirect.DISCARD);
          Process p = pb.start();
          BufferedReader out = new BufferedReader(
              new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
          PrintWriter in = new PrintWriter(
              new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8), true);
          String first = out.readLine();
          if (first != null && first.startsWith("ready numpy ")) {
            return new NumpyServer(python + " numpy " + first.substring(12), p, out, in);
          }
          p.destroy();
        } catch (IOException e) {
          // This python does not exist; try the next.
        }
      }
      return null;
    }

    double measure(Shape s, double seconds, boolean cpuTime) throws IOException {
      in.println(s.m + " " + s.n + " " + s.k + " " + (s.transA ? 1 : 0) + " "
          + (s.transB ? 1 : 0) + " " + seconds + " " + (cpuTime ? 1 : 0));
      String line = out.readLine();
      if (line == null) throw new IOException("numpy child exited");
      return Double.parseDouble(line.trim());
    }

    @Override
    public void close() {
      in.close();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroy();
      } catch (InterruptedException e) {
        process.destroy();
        Thread.currentThread().interrupt();
      }
    }
  }
}

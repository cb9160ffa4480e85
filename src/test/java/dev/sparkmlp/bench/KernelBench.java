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
 * 100, 1000 and 4096: {@link Gemm#gemm}, the naive loop, and numpy's float32 matmul measured
 * in the same run, interleaved shape by shape, when a python3 with numpy is found.
 *
 * <p>The peer is named by what it loaded: its BLAS library's path, and, only when the library
 * answers {@code openblas_get_config}, its OpenBLAS build and the CPU kernel it chose
 * ({@code openblas_get_corename}, as threadpoolctl reports it). Its figures are then
 * {@code _openblas}, otherwise {@code _blas}, since a reference BLAS is no yardstick. The child
 * runs one BLAS thread with {@code OPENBLAS_CORETYPE} and {@code OPENBLAS_L2_SIZE} removed from
 * its environment, so OpenBLAS picks its best kernel for this CPU; the system property
 * {@code bench.openblasCoretype=Haswell} forces one instead, e.g. to compare with the JVM held
 * to AVX2 by {@code -XX:UseAVX=2}. Both are given as a percentage of {@link FmaPeak}, the
 * measured FMA peak of one core at the JVM's vector width.
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

    // The ceiling for both kernels: the same core's FMA throughput at the JVM's vector width.
    double peak = Double.NaN;
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
      peak = FmaPeak.measure(clock, 5, runNanos);
      r.add("fma_peak", peak, "GFLOP/s", "register-only loop of " + FmaPeak.SPECIES.vectorBitSize()
          + "-bit FMAs on one core: 2 x " + FmaPeak.SPECIES.length()
          + " lanes x FMAs per cycle x clock; percentages of peak below are of this");
    }

    NumpyServer np = numpy ? NumpyServer.start() : null;
    String peer = np == null ? null : np.isOpenBlas ? "openblas" : "blas";
    if (np != null) {
      r.info("peer", np.describe());
    } else {
      r.info("peer", numpy ? "none: no python3 with numpy found" : "none (--no-numpy)");
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
    StringBuilder table = new StringBuilder();
    for (Operands o : warm) {
      Shape s = o.shape;
      String base = "gemm_" + s.name + "_b" + s.batch;
      double ours = best(o::ours, s.flops(), 5, runNanos);
      r.add(base + "_ours", ours, "GFLOP/s");
      logOurs += Math.log(ours);
      if (np != null) {
        try {
          double theirs = np.measure(s, seconds, cpuTime);
          r.add(base + "_" + peer, theirs, "GFLOP/s");
          r.add(base + "_ratio", ours / theirs, "x");
          table.append(String.format("# %-22s %7.1f %7.1f %6.2f %5.0f%% %5.0f%%%n",
              s.name + "_b" + s.batch, ours, theirs, ours / theirs, 100 * ours / peak,
              100 * theirs / peak));
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
    double geoOurs = Math.exp(logOurs / warm.size());
    r.add("gemm_geomean_ours", geoOurs, "GFLOP/s");
    if (!Double.isNaN(peak)) r.add("gemm_geomean_ours_of_peak", 100 * geoOurs / peak, "%");
    if (np != null) {
      if (numpyCount == warm.size()) {
        double geoTheirs = Math.exp(logNumpy / numpyCount);
        r.add("gemm_geomean_" + peer, geoTheirs, "GFLOP/s");
        r.add("gemm_geomean_ratio", geoOurs / geoTheirs, "x");
        if (!Double.isNaN(peak)) {
          r.add("gemm_geomean_" + peer + "_of_peak", 100 * geoTheirs / peak, "%");
        }
        System.out.printf("# %-22s %7s %7s %6s %6s %6s%n", "shape", "ours", peer, "ratio",
            "ours", peer);
        System.out.printf("# %-22s %7s %7s %6s %6s %6s%n", "", "GFLOP/s", "GFLOP/s", "",
            "%peak", "%peak");
        System.out.print(table);
        System.out.printf("# %-22s %7.1f %7.1f %6.2f %5.0f%% %5.0f%%%n", "geomean", geoOurs,
            geoTheirs, geoOurs / geoTheirs, 100 * geoOurs / peak, 100 * geoTheirs / peak);
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
        import ctypes, os, sys, time
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
        # OpenBLAS names its build and the CPU kernel it chose at run time (what threadpoolctl
        # reports); a reference BLAS has neither function.
        config, core = "none", "none"
        for path in sorted(blas):
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            for prefix in ("scipy_openblas", "openblas"):
                for suffix in ("64_", ""):
                    try:
                        get_config = getattr(lib, prefix + "_get_config" + suffix)
                        get_core = getattr(lib, prefix + "_get_corename" + suffix)
                    except AttributeError:
                        continue
                    get_config.restype = get_core.restype = ctypes.c_char_p
                    config, core = get_config().decode(), get_core().decode()
        print("ready\t" + np.__version__ + "\t" + (",".join(sorted(blas)) or "unknown") + "\t"
              + " ".join(config.split()) + "\t" + core, flush=True)
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

    private final String python;
    private final String numpyVersion;
    /** Paths of the BLAS libraries mapped into the child. */
    private final String libraries;
    /** openblas_get_config(), or "none" when the library has no such function. */
    private final String config;
    /** openblas_get_corename(): the CPU kernel OpenBLAS chose, e.g. SkylakeX or Haswell. */
    private final String core;
    /** Only a library that answers openblas_get_config is called OpenBLAS. */
    final boolean isOpenBlas;
    private final String coretype;
    private final Process process;
    private final BufferedReader out;
    private final PrintWriter in;

    private NumpyServer(String python, String[] ready, String coretype, Process process,
        BufferedReader out, PrintWriter in) {
      this.python = python;
      this.numpyVersion = ready[1];
      this.libraries = ready[2];
      this.config = ready[3];
      this.core = ready[4];
      this.isOpenBlas = config.startsWith("OpenBLAS");
      this.coretype = coretype;
      this.process = process;
      this.out = out;
      this.in = in;
    }

    /** The library, its build and the kernel it runs, for the report. */
    String describe() {
      String env = coretype == null ? "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset"
          : "OPENBLAS_CORETYPE=" + coretype + " (forced by -Dbench.openblasCoretype)";
      if (isOpenBlas) {
        return config + ", " + core + " kernel, 1 thread, " + env + "; via " + python
            + " numpy " + numpyVersion + " from " + libraries;
      }
      return "NOT OpenBLAS: numpy " + numpyVersion + " with " + libraries
          + " (no openblas_get_config: a reference or other BLAS, not a yardstick); " + python;
    }

    /** Null when no candidate python has numpy. */
    static NumpyServer start() {
      String forced = System.getProperty("bench.python");
      List<String> candidates = forced != null ? List.of(forced)
          : List.of("python3", "/usr/bin/python3");
      for (String python : candidates) {
        try {
          ProcessBuilder pb = new ProcessBuilder(python, "-c", SCRIPT);
          // One BLAS thread, like our kernel, and OpenBLAS's own choice of CPU kernel and cache
          // size: the environment may pin them to an older core type, which is slower.
          String coretype = System.getProperty("bench.openblasCoretype");
          pb.environment().remove("OPENBLAS_CORETYPE");
          pb.environment().remove("OPENBLAS_L2_SIZE");
          if (coretype != null) pb.environment().put("OPENBLAS_CORETYPE", coretype);
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
          String[] ready = first == null ? new String[0] : first.split("\t");
          if (ready.length == 5 && ready[0].equals("ready")) {
            return new NumpyServer(python, ready, coretype, p, out, in);
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

package dev.sparkmlp.bench;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.math.Rng;
import dev.sparkmlp.nn.Activation;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.nn.Loss;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.optim.Optimizer;
import dev.sparkmlp.optim.OptimizerSpec;
import dev.sparkmlp.train.Gradient;
import dev.sparkmlp.train.LocalGradients;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Training throughput of the local engine on the MLP of the ablation study (784-128x4-10, LeakyReLU,
 * Adam), against PyTorch on the same model in the same run. A sample is one row through forward,
 * backward and the optimizer update, as in the training loop.
 */
public final class TrainLocalBench {
  public static void main(String[] args) throws Exception {
    double seconds = 10;
    int threads = 2;
    List<Integer> batches = List.of(100, 1000);
    boolean torch = true;
    String torchScript = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--batches" -> batches = parseList(args[++i]);
        case "--no-torch" -> torch = false;
        case "--torch-script" -> torchScript = args[++i];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    BenchReport report = new BenchReport("train-local");
    report.info("model", "784-128-128-128-128-10 leaky_relu(0.1) adam");
    report.info("threads", String.valueOf(threads));
    NetworkSpec spec = NetworkSpec.mlp(784, new int[] {128, 128, 128, 128}, 10, Activation.LEAKY_RELU, 0.1f,
        Init.HE_UNIFORM, Activation.SOFTMAX, Loss.CCE, 0f, false, false);
    Network net = Network.build(spec);
    Block data = randomMnistShaped(60000);
    for (int batch : batches) {
      double rate = measure(net, data, batch, threads, seconds);
      report.add("sparkmlp_b" + batch + "_t" + threads, rate, "samples/s");
    }
    // One thread, for the per-core figure.
    double single = measure(net, data, batches.get(batches.size() - 1), 1, seconds / 2);
    report.add("sparkmlp_b" + batches.get(batches.size() - 1) + "_t1", single, "samples/s");
    report.add("compute_limit_per_core_reference", 185_000, "samples/s", "published: OpenBLAS rate / 0.9 MFLOP per sample");

    String python = torch && torchScript != null ? findTorch() : null;
    if (python == null) {
      report.info("torch", torch ? "not measured: no python3 with torch (apt-get install python3-torch)"
          : "not measured (--no-torch)");
      report.add("torch_reference_b100_best", 51_000, "samples/s", "published figure, not measured in this run");
      report.add("torch_reference_b1000_best", 130_000, "samples/s", "published figure, not measured in this run");
    } else {
      report.info("torch_blas", torchBlas(python));
      for (int batch : batches) {
        // PyTorch's best split of the cores between its OpenMP pool and OpenBLAS's threads.
        double best = 0;
        String bestSplit = "";
        for (int omp = 1; omp <= threads; omp++) {
          for (int blas = 1; blas <= threads; blas++) {
            double r = torchRate(python, torchScript, batch, seconds, omp, blas);
            if (r > best) {
              best = r;
              bestSplit = "omp=" + omp + " openblas=" + blas;
            }
          }
        }
        report.add("torch_b" + batch + "_best", best, "samples/s", "best thread split: " + bestSplit);
        report.add("ratio_b" + batch, report.get("sparkmlp_b" + batch + "_t" + threads) / best, "x");
      }
    }
    report.write();
  }

  static double measure(Network net, Block data, int batch, int threads, double seconds) {
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 1);
    Optimizer opt = OptimizerSpec.defaults("adam").build(net.weights());
    float[] g = new float[w.length];
    try (LocalGradients src = new LocalGradients(net, data, batch, threads, threads, 1)) {
      int steps = src.stepsPerEpoch();
      // Warm-up: let C2 compile the kernels.
      long warm = System.nanoTime() + 3_000_000_000L;
      int s = 0;
      while (System.nanoTime() < warm) step(src, opt, w, buf, g, 0, s++ % steps);
      long rows = 0;
      long t0 = System.nanoTime();
      long end = t0 + (long) (seconds * 1e9);
      int epoch = 1;
      s = 0;
      while (System.nanoTime() < end) {
        rows += step(src, opt, w, buf, g, epoch, s);
        if (++s == steps) {
          s = 0;
          epoch++;
        }
      }
      return rows / ((System.nanoTime() - t0) / 1e9);
    }
  }

  private static long step(LocalGradients src, Optimizer opt, float[] w, float[] buf, float[] g, int epoch, int s) {
    Gradient grad = src.compute(w, buf, epoch, s);
    float inv = 1f / grad.count;
    for (int i = 0; i < g.length; i++) g[i] = grad.grad[i] * inv;
    // As the Trainer does: the update split over the source's worker threads.
    opt.step(w, g, 1e-3f, src.ranges());
    return grad.count;
  }

  static Block randomMnistShaped(int rows) {
    float[] x = new float[rows * 784];
    int[] labels = new int[rows];
    long key = Rng.key(7, 1);
    for (int i = 0; i < x.length; i++) x[i] = Rng.uniform(key, i);
    for (int r = 0; r < rows; r++) labels[r] = Rng.below(key, x.length + (long) r, 10);
    return Block.classification(rows, 784, x, labels, 10);
  }

  private static String findTorch() {
    for (String py : List.of("/usr/bin/python3", "python3")) {
      try {
        Process p = new ProcessBuilder(py, "-c", "import torch").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (p.waitFor() == 0) return py;
      } catch (Exception e) {
        // Not there: try the next.
      }
    }
    return null;
  }

  /** Which BLAS library torch's process maps: reference BLAS is 10x slower than OpenBLAS. */
  private static String torchBlas(String python) {
    try {
      Process p = new ProcessBuilder(python, "-c", "import torch; torch.ones(2,2) @ torch.ones(2,2); "
          + "print([l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower()][:1])")
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor();
      return out.contains("openblas") ? "OpenBLAS (" + out + ")"
          : out + " (not OpenBLAS: apt-get install libopenblas0-pthread for a fair peer)";
    } catch (Exception e) {
      return "unknown: " + e.getMessage();
    }
  }

  private static double torchRate(String python, String script, int batch, double seconds, int omp, int blas)
      throws Exception {
    ProcessBuilder pb = new ProcessBuilder(python, script, String.valueOf(batch), String.valueOf(seconds),
        String.valueOf(omp));
    pb.environment().remove("OPENBLAS_CORETYPE");
    pb.environment().put("OMP_NUM_THREADS", String.valueOf(omp));
    pb.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(blas));
    pb.redirectErrorStream(true);
    Process p = pb.start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String l; (l = r.readLine()) != null; ) lines.add(l);
    }
    if (p.waitFor() != 0) throw new IllegalStateException("torch bench failed: " + String.join("\n", lines));
    for (String l : lines) if (l.startsWith("samples_per_second ")) return Double.parseDouble(l.substring(19));
    throw new IllegalStateException("torch bench printed no figure: " + lines);
  }

  private static List<Integer> parseList(String s) {
    List<Integer> out = new ArrayList<>();
    for (String p : s.split(",")) out.add(Integer.parseInt(p.trim()));
    return out;
  }
}

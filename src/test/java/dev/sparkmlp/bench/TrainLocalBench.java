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
import dev.sparkmlp.train.FusedUpdate;
import dev.sparkmlp.train.Gradient;
import dev.sparkmlp.train.LocalGradients;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Training throughput of the local engine on the MLP of the ablation study (784-128x4-10,
 * LeakyReLU, Adam), against PyTorch on the same model in the same run. A sample is one row
 * through forward, backward and the optimizer update, as in the training loop.
 *
 * <p>The two are interleaved: each of --rounds rounds measures sparkmlp for --seconds, then
 * PyTorch for --seconds at each thread split (intra-op threads 1..T times OpenBLAS threads
 * 1..T, inter-op threads 1; each also with glibc's malloc on transparent huge pages where the
 * kernel offers them), and takes the ratio to PyTorch's best split of that round. On a
 * shared machine a slow spell then hits one round's pair rather than one side of the
 * comparison. The figures are the medians over rounds, with the range of the ratio. PyTorch
 * runs as one server process per split, started once, so its import does not count. sparkmlp's
 * step is the Trainer's: one run of the worker threads computes the shards and, behind a barrier,
 * each thread sums its slice of the gradient and runs the mean, Adam and the check that the
 * weights are finite on that slice ({@link FusedUpdate}).
 *
 * <pre>
 * scripts/bench/train-local [--seconds 5] [--rounds 3] [--threads 2] [--batches 100,1000]
 *                           [--no-torch]
 * </pre>
 */
public final class TrainLocalBench {
  public static void main(String[] args) throws Exception {
    double seconds = 5;
    int rounds = 3;
    int threads = 2;
    List<Integer> batches = List.of(100, 1000);
    boolean torch = true;
    String torchScript = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
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
    report.info("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version")
        + ", gemm " + dev.sparkmlp.math.Gemm.implementation());
    report.info("method", rounds + " interleaved rounds of " + seconds + " s per figure; medians");
    NetworkSpec spec = NetworkSpec.mlp(784, new int[] {128, 128, 128, 128}, 10, Activation.LEAKY_RELU, 0.1f,
        Init.HE_UNIFORM, Activation.SOFTMAX, Loss.CCE, 0f, false, false);
    Network net = Network.build(spec);
    Block data = randomMnistShaped(60000);

    String python = torch && torchScript != null ? findTorch() : null;
    List<TorchServer> servers = new ArrayList<>();
    if (python == null) {
      report.info("torch", torch ? "not measured: no python3 with torch (apt-get install python3-torch)"
          : "not measured (--no-torch)");
    } else {
      // Huge pages as a further setting of the peer, where the kernel offers them: glibc's
      // malloc then asks for them (PyTorch 1.13 has no switch of its own), as the JVM does for
      // its heap with -XX:+UseTransparentHugePages in scripts/sparkmlp and the benches.
      boolean[] hugePages = transparentHugePages() ? new boolean[] {false, true}
          : new boolean[] {false};
      for (boolean huge : hugePages) {
        for (int intra = 1; intra <= threads; intra++) {
          for (int blas = 1; blas <= threads; blas++) {
            servers.add(TorchServer.start(python, torchScript, intra, blas, huge));
          }
        }
      }
      report.info("torch_blas", servers.get(0).describe());
    }
    StringBuilder table = new StringBuilder();
    try {
      for (int batch : batches) {
        double[] ours = new double[rounds];
        double[] theirs = new double[rounds];
        double[] ratio = new double[rounds];
        String[] split = new String[rounds];
        try (Run run = new Run(net, data, batch, threads)) {
          for (int r = 0; r < rounds; r++) {
            ours[r] = run.measure(seconds);
            if (servers.isEmpty()) {
              System.out.printf("# round %d, batch %d: sparkmlp %.0f%n", r + 1, batch, ours[r]);
              continue;
            }
            for (TorchServer t : servers) {
              double rate = t.measure(batch, seconds);
              if (rate > theirs[r]) {
                theirs[r] = rate;
                split[r] = t.split();
              }
            }
            ratio[r] = ours[r] / theirs[r];
            System.out.printf("# round %d, batch %d: sparkmlp %.0f, torch %.0f (%s): %.2fx%n", r + 1,
                batch, ours[r], theirs[r], split[r], ratio[r]);
          }
        }
        report.add("sparkmlp_b" + batch + "_t" + threads, median(ours), "samples/s",
            "median of " + rounds + ", range " + range(ours));
        if (!servers.isEmpty()) {
          report.add("torch_b" + batch + "_best", median(theirs), "samples/s",
              "median over rounds of the best split; splits " + String.join(", ", split));
          report.add("ratio_b" + batch, median(ratio), "x", "median of per-round ratios, range "
              + String.format("%.2f-%.2f", min(ratio), max(ratio)));
          table.append(String.format("# %-6d %10.0f %10.0f %7.2fx %s%n", batch, median(ours),
              median(theirs), median(ratio), String.format("%.2f-%.2f", min(ratio), max(ratio))));
        }
      }
    } finally {
      for (TorchServer t : servers) t.close();
    }
    // One thread, for the per-core figure.
    int last = batches.get(batches.size() - 1);
    try (Run run = new Run(net, data, last, 1)) {
      report.add("sparkmlp_b" + last + "_t1", run.measure(seconds), "samples/s", "one round");
    }
    if (table.length() > 0) {
      System.out.println("# sparkmlp " + threads + " threads vs PyTorch " + servers.get(0).torchVersion
          + " at its best thread split, on " + servers.get(0).blasName());
      System.out.printf("# %-6s %10s %10s %8s %s%n", "batch", "sparkmlp", "torch", "ratio", "range");
      System.out.print(table);
    }
    report.write();
  }

  /** A LocalGradients source and Adam, warmed up once and measured in rounds. */
  private static final class Run implements AutoCloseable {
    final LocalGradients src;
    final Optimizer opt;
    final float[] w;
    final float[] buf;
    final FusedUpdate update;
    final int steps;
    int epoch;
    int s;

    Run(Network net, Block data, int batch, int threads) {
      w = new float[net.paramCount()];
      buf = new float[net.bufferCount()];
      update = new FusedUpdate(new float[w.length]);
      net.initialize(w, buf, 1);
      opt = OptimizerSpec.defaults("adam").build(net.weights());
      src = new LocalGradients(net, data, batch, threads, threads, 1);
      steps = src.stepsPerEpoch();
      // Warm-up: let C2 compile the kernels.
      long warm = System.nanoTime() + 3_000_000_000L;
      while (System.nanoTime() < warm) next();
    }

    long next() {
      long rows = step(src, opt, w, buf, update, epoch, s);
      if (++s == steps) {
        s = 0;
        epoch++;
      }
      return rows;
    }

    double measure(double seconds) {
      long rows = 0;
      long t0 = System.nanoTime();
      long end = t0 + (long) (seconds * 1e9);
      while (System.nanoTime() < end) rows += next();
      return rows / ((System.nanoTime() - t0) / 1e9);
    }

    @Override
    public void close() {
      src.close();
    }
  }

  static double median(double[] x) {
    double[] s = x.clone();
    java.util.Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double min(double[] x) {
    return java.util.Arrays.stream(x).min().orElse(Double.NaN);
  }

  private static double max(double[] x) {
    return java.util.Arrays.stream(x).max().orElse(Double.NaN);
  }

  private static String range(double[] x) {
    return String.format("%.0f-%.0f", min(x), max(x));
  }

  private static long step(LocalGradients src, Optimizer opt, float[] w, float[] buf,
      FusedUpdate update, int epoch, int s) {
    // The Trainer's step without regularization, listeners or clipping (all off by default).
    Gradient grad = update.step(src, opt, w, buf, epoch, s, 1e-3f);
    if (!Double.isFinite(grad.lossSum) || !update.finite()) throw new IllegalStateException("diverged");
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

  /** Whether the kernel offers transparent huge pages on request (mode always or madvise). */
  static boolean transparentHugePages() {
    try {
      String mode = java.nio.file.Files.readString(
          java.nio.file.Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
      return mode.contains("[always]") || mode.contains("[madvise]");
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** A python3 child running torch_mlp.py --serve at one thread split. */
  private static final class TorchServer implements AutoCloseable {
    final int intra;
    final int blas;
    final boolean hugePages;
    final String torchVersion;
    final String library;
    final String config;
    final String core;
    private final Process process;
    private final BufferedReader out;
    private final java.io.PrintWriter in;

    private TorchServer(int intra, int blas, boolean hugePages, String[] ready, Process p,
        BufferedReader out) {
      this.intra = intra;
      this.blas = blas;
      this.hugePages = hugePages;
      this.torchVersion = ready[1];
      this.library = ready[2];
      this.config = ready[3];
      this.core = ready[4];
      this.process = p;
      this.out = out;
      this.in = new java.io.PrintWriter(
          new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8), true);
    }

    static TorchServer start(String python, String script, int intra, int blas,
        boolean hugePages) throws Exception {
      ProcessBuilder pb = new ProcessBuilder(python, script, "--serve", String.valueOf(intra));
      if (hugePages) pb.environment().put("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1");
      pb.environment().remove("OPENBLAS_CORETYPE");
      pb.environment().remove("OPENBLAS_L2_SIZE");
      pb.environment().put("OMP_NUM_THREADS", String.valueOf(intra));
      pb.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(blas));
      pb.redirectError(ProcessBuilder.Redirect.DISCARD);
      Process p = pb.start();
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String first = out.readLine();
      String[] ready = first == null ? new String[0] : first.split("\t");
      if (ready.length != 5 || !ready[0].equals("ready")) {
        p.destroy();
        throw new IllegalStateException("torch server did not start: " + first);
      }
      return new TorchServer(intra, blas, hugePages, ready, p, out);
    }

    String split() {
      return "intra=" + intra + " openblas=" + blas + (hugePages ? " hugepages" : "");
    }

    /** The BLAS by what it answers: only a library with openblas_get_config is called OpenBLAS. */
    String blasName() {
      return config.startsWith("OpenBLAS") ? config.split(" ")[0] + " " + config.split(" ")[1]
          + " (" + core + " kernel)" : "NOT OpenBLAS: " + library;
    }

    String describe() {
      return "torch " + torchVersion + " on " + blasName() + ": " + config + ", from " + library
          + "; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset";
    }

    double measure(int batch, double seconds) throws Exception {
      in.println(batch + " " + seconds);
      String line = out.readLine();
      if (line == null || !line.startsWith("samples_per_second ")) {
        throw new IllegalStateException("torch server (" + split() + ") answered " + line);
      }
      return Double.parseDouble(line.substring(19));
    }

    @Override
    public void close() {
      in.close();
      try {
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroy();
      } catch (InterruptedException e) {
        process.destroy();
        Thread.currentThread().interrupt();
      }
    }
  }

  private static List<Integer> parseList(String s) {
    List<Integer> out = new ArrayList<>();
    for (String p : s.split(",")) out.add(Integer.parseInt(p.trim()));
    return out;
  }
}

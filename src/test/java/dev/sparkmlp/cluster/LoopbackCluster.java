package dev.sparkmlp.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The loopback standalone cluster of scripts/cluster, driven from the integration tests, and
 * scripts/submit against it. Every process this class starts is waited for with a deadline and
 * killed (with its descendants) when the deadline passes, so a hung Spark never hangs the build.
 *
 * <p>The cluster's state (PID files, logs, the Workers' work dirs) lives under the Maven build
 * dir in {@code cluster-it/}, and scripts/submit builds its application jar in
 * {@code cluster-it/app/}: a build of its own, because during {@code mvn verify} the outer build
 * has not packaged the jar yet and must not have its classes rewritten under the running tests.
 */
final class LoopbackCluster implements AutoCloseable {
  static final String MASTER = "spark://127.0.0.1:7077";

  /** The output of a finished process. */
  record Result(int exitCode, String output) {}

  final Path root;
  final Path state;
  private final Path appBuild;
  /** The environment of scripts/cluster's commands. */
  private Map<String, String> clusterEnv = Map.of();
  /** The scripts/submit processes started so far, for killing the ones still running. */
  private final List<Process> submits = new java.util.concurrent.CopyOnWriteArrayList<>();
  /**
   * Kills the running submissions and stops the cluster if the test JVM exits without
   * {@link #close}, e.g. when surefire or a user terminates it.
   */
  private final Thread stopOnExit;

  private LoopbackCluster(Path root, Path state, Path appBuild) {
    this.root = root;
    this.state = state;
    this.appBuild = appBuild;
    this.stopOnExit = new Thread(() -> {
      submits.forEach(LoopbackCluster::killTree);
      try {
        script(Duration.ofSeconds(30), "cluster", "stop");
      } catch (IOException | InterruptedException | RuntimeException e) {
        System.err.println("LoopbackCluster: stopping " + state + " at exit failed: " + e);
      }
    }, "loopback-cluster-stop");
  }

  /** Stops what a crashed earlier run may have left, then starts a Master and the Workers. */
  static LoopbackCluster start(int workers) throws IOException, InterruptedException {
    return start(workers, Map.of());
  }

  /**
   * As {@link #start(int)}, with scripts/cluster's settings in {@code env}, e.g.
   * {@code SPARKMLP_WORKER_MEMORY}.
   */
  static LoopbackCluster start(int workers, Map<String, String> env)
      throws IOException, InterruptedException {
    Path build = buildDir();
    LoopbackCluster c = new LoopbackCluster(repoRoot(), build.resolve("cluster-it"),
        build.resolve("cluster-it").resolve("app"));
    c.clusterEnv = Map.copyOf(env);
    Files.createDirectories(c.state);
    c.script(Duration.ofSeconds(60), "cluster", "stop");
    Runtime.getRuntime().addShutdownHook(c.stopOnExit);
    // The first start also resolves the Maven classpath into spark-home/jars.
    Result r = c.script(Duration.ofMinutes(5), "cluster", "start", Integer.toString(workers));
    if (r.exitCode() != 0) {
      c.close();
      throw new IllegalStateException("scripts/cluster start failed:\n" + r.output());
    }
    return c;
  }

  /** The repository root: surefire runs the tests in the project's base directory. */
  static Path repoRoot() {
    Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    if (!Files.isExecutable(root.resolve("scripts/cluster"))) {
      throw new IllegalStateException("not the project root (no scripts/cluster): " + root);
    }
    return root;
  }

  /** The Maven build dir (target, or -Dsparkmlp.buildDir): the parent of test-classes. */
  static Path buildDir() {
    try {
      var location = LoopbackCluster.class.getProtectionDomain().getCodeSource().getLocation();
      return Path.of(location.toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Runs scripts/submit to completion: spark-submit options, then the command and its options.
   * The output is also in {@code logs/submit-<name>.out} under the state dir.
   */
  Result submit(String name, Duration timeout, Map<String, String> env, List<String> args)
      throws IOException, InterruptedException {
    return await(startSubmit(name, env, args), timeout);
  }

  /** Starts scripts/submit; its output goes to {@code logs/submit-<name>.out}. */
  Running startSubmit(String name, Map<String, String> env, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(root.resolve("scripts/submit").toString());
    cmd.addAll(args);
    Running r = launch(cmd, env, "submit-" + name);
    submits.add(r.process());
    return r;
  }

  /** A started script and the file its output goes to. */
  record Running(Process process, Path log) {}

  Result await(Running r, Duration timeout) throws IOException, InterruptedException {
    if (!r.process().waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      killTree(r.process());
      throw new IllegalStateException("timed out after " + timeout + ": see " + r.log() + "\n"
          + tail(read(r.log()), 60));
    }
    return new Result(r.process().exitValue(), read(r.log()));
  }

  private Result script(Duration timeout, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(root.resolve("scripts").resolve(args[0]).toString());
    cmd.addAll(List.of(args).subList(1, args.length));
    return await(launch(cmd, clusterEnv, args[0] + "-" + args[1]), timeout);
  }

  private Running launch(List<String> cmd, Map<String, String> env, String name)
      throws IOException {
    Path logs = state.resolve("logs");
    Files.createDirectories(logs);
    Path log = logs.resolve(name + ".out");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Map<String, String> e = new HashMap<>(env);
    e.put("SPARKMLP_CLUSTER_DIR", state.toString());
    e.putIfAbsent("SPARKMLP_BUILD_DIR", appBuild.toString());
    pb.environment().putAll(e);
    return new Running(pb.start(), log);
  }

  /** Stops the cluster by the PIDs it recorded, including executors; safe to call twice. */
  @Override
  public void close() throws IOException, InterruptedException {
    try {
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
    } catch (IllegalStateException shuttingDown) {
      // The JVM is exiting and runs the hook itself; stopping twice is harmless.
    }
    submits.forEach(LoopbackCluster::killTree);
    Result r = script(Duration.ofSeconds(90), "cluster", "stop");
    if (r.exitCode() != 0) {
      throw new IllegalStateException("scripts/cluster stop failed:\n" + r.output());
    }
  }

  /** The application jar that scripts/submit built last (fails when it has built none). */
  Path appJar() throws IOException {
    try (Stream<Path> s = Files.list(appBuild)) {
      return s.filter(p -> p.getFileName().toString().matches("sparkmlp-.*-app\\.jar"))
          .max(java.util.Comparator.comparing(p -> p.toFile().lastModified()))
          .orElseThrow(() -> new IllegalStateException("no sparkmlp-*-app.jar in " + appBuild));
    }
  }

  /** The application dirs ({@code work/app-*}) the Workers have made so far, oldest first. */
  List<Path> apps() throws IOException {
    Path work = state.resolve("work");
    if (!Files.isDirectory(work)) return List.of();
    try (Stream<Path> s = Files.list(work)) {
      return s.filter(p -> p.getFileName().toString().startsWith("app-")).sorted().toList();
    }
  }

  /** The application dirs that are not in {@code before}. */
  List<Path> appsSince(List<Path> before) throws IOException {
    return apps().stream().filter(p -> !before.contains(p)).toList();
  }

  /** An application's executor dirs, {@code work/<app-id>/<executor-id>}. */
  static List<Path> executorDirs(Path app) throws IOException {
    try (Stream<Path> s = Files.list(app)) {
      return s.filter(Files::isDirectory).sorted().toList();
    }
  }

  static void killTree(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String tail(String text, int lines) {
    String[] all = text.split("\n");
    return String.join("\n", List.of(all).subList(Math.max(0, all.length - lines), all.length));
  }
}

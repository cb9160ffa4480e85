package dev.sparkmlp.cli;

import static dev.sparkmlp.cli.CliTest.blobsCsv;
import static dev.sparkmlp.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkmlp.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real crash: {@code sparkmlp train} in a child JVM with a checkpoint after every step is
 * SIGKILLed at a random moment after its first checkpoint appears (possibly while a checkpoint is
 * being written), then resumed in this JVM with {@code --resume}; the final weights.bin is byte for byte the
 * uninterrupted run's, and so is every epoch's metrics line but its timings.
 */
class KillResumeTest {
  @TempDir
  Path dir;

  private static final int EPOCHS = 30;

  private static List<String> args(Path csv, Path out, String... extra) {
    List<String> a = new ArrayList<>(List.of("train", "--train", csv.toString(), "--format", "csv",
        "--label-column", "label", "--layers", "16,16", "--epochs", String.valueOf(EPOCHS),
        "--batch-size", "20", "--lr", "0.01", "--output", out.toString(),
        "--set", "train.engine=local", "--set", "data.validation-split=0.2",
        "--set", "model.dropout=0.2", "--set", "model.batch-norm=true",
        "--set", "train.optimizer.name=adam"));
    for (String e : extra) {
      a.add("--set");
      a.add(e);
    }
    return a;
  }

  /** The metrics lines without the fields that measure time. */
  private static List<String> learning(Path metrics) throws Exception {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(metrics)) {
      ObjectNode o = (ObjectNode) Json.parse(line);
      o.remove(List.of("seconds", "samples_per_second", "eta_seconds"));
      out.add(o.toString());
    }
    return out;
  }

  @Test
  void sigkilledRunResumesToTheSameWeightsBytes() throws Exception {
    Path csv = blobsCsv(dir.resolve("train.csv"), 400, 5);
    CliTest.Run straight = run(args(csv, dir.resolve("straight")).toArray(String[]::new));
    assertEquals(0, straight.code(), straight.err());

    Path killed = dir.resolve("killed");
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+IgnoreUnrecognizedVMOptions", "--add-modules=jdk.incubator.vector", "-Xmx512m",
        "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"),
        Main.class.getName()));
    cmd.addAll(args(csv, killed, "train.checkpoint-every-steps=1"));
    Process p = new ProcessBuilder(cmd)
        .redirectOutput(dir.resolve("child.out").toFile())
        .redirectError(dir.resolve("child.err").toFile())
        .start();
    try {
      Path first = killed.resolve("checkpoint/checkpoint.json");
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (!Files.exists(first) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(5);
      assertTrue(Files.exists(first), "no checkpoint appeared: " + Files.readString(dir.resolve("child.err")));
      Thread.sleep(new SplittableRandom().nextInt(0, 800));
      assertTrue(p.isAlive(), "the child finished before the kill; " + Files.readString(dir.resolve("child.out")));
      p.destroyForcibly();
      assertTrue(p.waitFor(1, TimeUnit.MINUTES));
    } finally {
      p.destroyForcibly();
    }
    assertFalse(Files.exists(killed.resolve("model/weights.bin")), "the killed run saved no model");

    List<String> resume = args(csv, dir.resolve("resumed"));
    resume.addAll(List.of("--resume", killed.resolve("checkpoint").toString()));
    CliTest.Run resumed = run(resume.toArray(String[]::new));
    assertEquals(0, resumed.code(), resumed.err());
    assertTrue(resumed.out().contains("resumed from " + killed.resolve("checkpoint")), resumed.out());
    assertArrayEquals(Files.readAllBytes(dir.resolve("straight/model/weights.bin")),
        Files.readAllBytes(dir.resolve("resumed/model/weights.bin")));
    assertEquals(learning(dir.resolve("straight/metrics.jsonl")),
        learning(dir.resolve("resumed/metrics.jsonl")));
  }
}

package dev.sparkmlp.cli;

import static dev.sparkmlp.cli.CliTest.blobsCsv;
import static dev.sparkmlp.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.plot.Curves;
import dev.sparkmlp.plot.Png;
import dev.sparkmlp.train.EpochMetrics;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train} writes curves.png; {@code plot} draws one run or overlays several. */
class PlotCommandTest {
  @TempDir
  Path dir;

  private Path csv;

  @BeforeEach
  void data() throws Exception {
    csv = blobsCsv(dir.resolve("train.csv"), 300, 3);
  }

  private Path train(String name, String lr, int epochs) {
    Path out = dir.resolve(name);
    CliTest.Run r = run("train", "--train", csv.toString(), "--format", "csv", "--label-column", "label",
        "--layers", "8", "--epochs", String.valueOf(epochs), "--batch-size", "30", "--lr", lr, "--quiet",
        "--set", "data.validation-split=0.2", "--output", out.toString());
    assertEquals(0, r.code(), r.err());
    return out;
  }

  private static BufferedImage decode(Path png) throws Exception {
    return Png.decode(Files.readAllBytes(png));
  }

  private static int[] pixels(BufferedImage img) {
    return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
  }

  @Test
  void trainWritesCurvesAndPlotOverlaysRuns() throws Exception {
    Path fast = train("fast", "0.05", 3);
    Path slow = train("slow", "0.002", 4);
    for (Path run : List.of(fast, slow)) {
      BufferedImage img = decode(run.resolve("curves.png"));
      assertEquals(Curves.WIDTH, img.getWidth());
      assertEquals(Curves.HEIGHT, img.getHeight());
    }
    assertFalse(Arrays.equals(pixels(decode(fast.resolve("curves.png"))), pixels(decode(slow.resolve("curves.png")))),
        "different runs draw different curves");

    Path single = dir.resolve("single.png");
    CliTest.Run one = run("plot", fast.toString(), "--output", single.toString());
    assertEquals(0, one.code(), one.err());
    assertArrayEquals(Files.readAllBytes(fast.resolve("curves.png")), Files.readAllBytes(single),
        "plot of one run redraws train's curves.png from metrics.jsonl, byte for byte");

    Path both = dir.resolve("out/both.png");
    CliTest.Run r = run("plot", fast.toString(), slow.toString(), "--output", both.toString(), "--title", "lr");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("wrote " + both + " (2 runs)"), r.out());
    BufferedImage overlay = decode(both);
    assertEquals(Curves.WIDTH, overlay.getWidth());
    assertEquals(Curves.HEIGHT, overlay.getHeight());
    assertFalse(Arrays.equals(pixels(overlay), pixels(decode(single))));
    Map<String, List<EpochMetrics>> named = new LinkedHashMap<>();
    named.put("fast", Curves.read(fast.toString()));
    named.put("slow", Curves.read(slow.toString()));
    assertArrayEquals(Curves.overlay(named, "lr"), Files.readAllBytes(both),
        "the legend names the runs by their directories, in the order given");
  }

  @Test
  void aResumedRunDrawsItsWholeHistory() throws Exception {
    Path first = dir.resolve("first");
    CliTest.Run a = run("train", "--train", csv.toString(), "--format", "csv", "--label-column", "label",
        "--layers", "8", "--epochs", "2", "--batch-size", "30", "--quiet", "--output", first.toString(),
        "--set", "train.checkpoint-every=1");
    assertEquals(0, a.code(), a.err());
    Path resumed = dir.resolve("resumed");
    CliTest.Run b = run("train", "--train", csv.toString(), "--format", "csv", "--label-column", "label",
        "--layers", "8", "--epochs", "4", "--batch-size", "30", "--quiet", "--output", resumed.toString(),
        "--set", "train.resume=" + first.resolve("checkpoint"));
    assertEquals(0, b.code(), b.err());
    List<EpochMetrics> history = Curves.read(resumed.toString());
    assertEquals(List.of(1, 2, 3, 4), history.stream().map(EpochMetrics::epoch).toList());
    assertArrayEquals(Curves.png(history, "resumed"), Files.readAllBytes(resumed.resolve("curves.png")),
        "curves.png shows the epochs before the resume too");
  }

  @Test
  void trainGoesOnWithOneWarningWhenCurvesCannotBeDrawn() throws Exception {
    Path out = dir.resolve("blocked");
    Files.createDirectories(out.resolve("curves.png"));
    CliTest.Run r = run("train", "--train", csv.toString(), "--format", "csv", "--label-column", "label",
        "--layers", "8", "--epochs", "3", "--batch-size", "30", "--quiet", "--output", out.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(1, r.err().lines().filter(l -> l.startsWith("sparkmlp: warning: cannot draw " + out.resolve("curves.png")))
        .count(), r.err());
    assertEquals(3, Files.readAllLines(out.resolve("metrics.jsonl")).size(), "the training ran to the end");
    assertTrue(Files.isDirectory(out.resolve("curves.png")));
  }

  @Test
  void badRunDirectoriesAreOneLineErrorsNamingThem() throws Exception {
    Path good = train("good", "0.05", 2);
    Path missing = dir.resolve("missing");
    CliTest.Run r = run("plot", good.toString(), missing.toString(), "--output", dir.resolve("x.png").toString());
    assertEquals(2, r.code());
    assertEquals("sparkmlp: error: " + missing + ": no such run directory or metrics file", r.err().strip());
    assertFalse(Files.exists(dir.resolve("x.png")), "nothing written");

    Path notRun = Files.createDirectories(dir.resolve("notrun"));
    r = run("plot", notRun.toString(), "--output", dir.resolve("x.png").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains(notRun.resolve("metrics.jsonl") + ": not found"), r.err());

    Path metrics = good.resolve("metrics.jsonl");
    List<String> lines = Files.readAllLines(metrics);
    Files.write(metrics, List.of(lines.get(0), "{\"epoch\": 2, oops"));
    r = run("plot", good.toString(), "--output", dir.resolve("x.png").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("sparkmlp: error: " + metrics + ": line 2: invalid JSON"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());

    r = run("plot", "--output", dir.resolve("x.png").toString());
    assertEquals(2, r.code(), "a run directory is required");
  }
}

package dev.sparkmlp.plot;

import static dev.sparkmlp.plot.LineChartTest.pixels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sparkmlp.data.DataException;
import dev.sparkmlp.io.Json;
import dev.sparkmlp.train.EpochMetrics;
import dev.sparkmlp.train.Metrics;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CurvesTest {
  @TempDir
  Path dir;

  /** A loss falling as exp(-rate * epoch), with accuracy rising as it falls. */
  static List<EpochMetrics> history(int epochs, double rate, boolean validation, boolean accuracy) {
    List<EpochMetrics> h = new ArrayList<>();
    for (int e = 1; e <= epochs; e++) {
      double loss = 2.3 * Math.exp(-rate * e) + 0.05;
      Metrics train = new Metrics(loss, accuracy ? 1 - loss / 2.5 : Double.NaN, 100);
      Metrics val = !validation ? null
          : new Metrics(1.1 * loss + 0.02 * e, accuracy ? 0.98 - loss / 2.5 : Double.NaN, 50);
      h.add(new EpochMetrics(e, epochs, 10L * e, loss, train, val, 1e-3, 0.5, 2000, 0.5 * (epochs - e)));
    }
    return h;
  }

  private static List<EpochMetrics> map(List<EpochMetrics> h, UnaryOperator<EpochMetrics> f) {
    return h.stream().map(f).toList();
  }

  private static BufferedImage image(byte[] png) {
    return Png.decode(png);
  }

  private static boolean same(BufferedImage a, BufferedImage b, int x0, int x1) {
    return Arrays.equals(pixels(a, x0, x1), pixels(b, x0, x1));
  }

  @Test
  void oneRunIsTwoPanelsOfTheDocumentedSize() {
    BufferedImage img = image(Curves.png(history(10, 0.5, true, true), "mnist"));
    assertEquals(Curves.WIDTH, img.getWidth());
    assertEquals(Curves.HEIGHT, img.getHeight());
    assertArrayEquals(Curves.png(history(10, 0.5, true, true), "mnist"),
        Curves.png(history(10, 0.5, true, true), "mnist"), "the same history gives the same bytes");
  }

  @Test
  void lossIsDrawnOnTheLeftAndAccuracyOnTheRight() {
    int half = Curves.WIDTH / 2;
    List<EpochMetrics> h = history(8, 0.4, true, true);
    BufferedImage base = image(Curves.png(h, "run"));
    List<EpochMetrics> otherAcc = map(h, m -> new EpochMetrics(m.epoch(), m.epochs(), m.step(), m.trainLoss(),
        m.train(), new Metrics(m.validation().loss(), m.validation().accuracy() - 0.05, 50),
        m.lr(), m.seconds(), m.samplesPerSecond(), m.etaSeconds()));
    BufferedImage acc = image(Curves.png(otherAcc, "run"));
    assertArrayEquals(pixels(base, 0, half), pixels(acc, 0, half), "validation accuracy is not in the loss panel");
    assertFalse(same(base, acc, half, Curves.WIDTH), "validation accuracy is in the accuracy panel");

    List<EpochMetrics> otherLoss = map(h, m -> new EpochMetrics(m.epoch(), m.epochs(), m.step(), m.trainLoss() * 1.2,
        m.train(), m.validation(), m.lr(), m.seconds(), m.samplesPerSecond(), m.etaSeconds()));
    BufferedImage loss = image(Curves.png(otherLoss, "run"));
    assertFalse(same(base, loss, 0, half), "training loss is in the loss panel");
    assertArrayEquals(pixels(base, half, Curves.WIDTH), pixels(loss, half, Curves.WIDTH),
        "training loss is not in the accuracy panel");
  }

  @Test
  void validationCurvesAreDrawnWhenPresent() {
    BufferedImage with = image(Curves.png(history(6, 0.4, true, true), "r"));
    BufferedImage without = image(Curves.png(history(6, 0.4, false, true), "r"));
    assertFalse(same(with, without, 0, Curves.WIDTH / 2));
    assertFalse(same(with, without, Curves.WIDTH / 2, Curves.WIDTH));
  }

  @Test
  void withoutAccuracyTheLossPanelTakesTheWholeWidth() {
    BufferedImage classification = image(Curves.png(history(6, 0.4, true, true), "r"));
    BufferedImage regression = image(Curves.png(history(6, 0.4, true, false), "r"));
    assertEquals(Curves.WIDTH, regression.getWidth());
    assertEquals(Curves.HEIGHT, regression.getHeight());
    // Same losses: had the loss panel kept its half width, the left halves would be identical.
    assertFalse(same(classification, regression, 0, Curves.WIDTH / 2));
  }

  @Test
  void overlayDrawsEveryRunInLegendOrder() {
    Map<String, List<EpochMetrics>> ab = new LinkedHashMap<>();
    ab.put("a", history(10, 0.5, true, true));
    ab.put("b", history(7, 0.2, true, true));
    Map<String, List<EpochMetrics>> ba = new LinkedHashMap<>();
    ba.put("b", ab.get("b"));
    ba.put("a", ab.get("a"));
    BufferedImage two = image(Curves.overlay(ab, "runs"));
    assertEquals(Curves.WIDTH, two.getWidth());
    assertEquals(Curves.HEIGHT, two.getHeight());
    BufferedImage one = image(Curves.overlay(Map.of("a", ab.get("a")), "runs"));
    assertFalse(same(two, one, 0, Curves.WIDTH), "the second run is drawn");
    assertFalse(same(two, image(Curves.overlay(ba, "runs")), 0, Curves.WIDTH), "the order sets the colours");
  }

  @Test
  void nothingToPlotIsAnErrorNamingTheRun() {
    assertEquals("no epochs to plot for mnist",
        assertThrows(IllegalArgumentException.class, () -> Curves.png(List.of(), "mnist")).getMessage());
    assertEquals("no runs to plot for t",
        assertThrows(IllegalArgumentException.class, () -> Curves.overlay(Map.of(), "t")).getMessage());
    Map<String, List<EpochMetrics>> runs = new LinkedHashMap<>();
    runs.put("good", history(3, 0.5, false, true));
    runs.put("bad", List.of());
    assertEquals("run bad: no epochs to plot",
        assertThrows(IllegalArgumentException.class, () -> Curves.overlay(runs, "t")).getMessage());
  }

  private Path metricsFile(Path runDir, List<EpochMetrics> h) throws Exception {
    Files.createDirectories(runDir);
    StringBuilder sb = new StringBuilder();
    for (EpochMetrics m : h) sb.append(Json.line(m.toMap())).append('\n');
    return Files.writeString(runDir.resolve("metrics.jsonl"), sb);
  }

  @Test
  void readsTheHistoryOfARunDirectoryOrFile() throws Exception {
    List<EpochMetrics> h = history(5, 0.3, true, true);
    Path file = metricsFile(dir.resolve("run1"), h);
    assertEquals(h, Curves.read(dir.resolve("run1").toString()));
    assertEquals(h, Curves.read(file.toString()));
    Files.writeString(file, Files.readString(file) + "\n\n");
    assertEquals(h, Curves.read(file.toString()), "blank lines are skipped");
  }

  @Test
  void badRunsAreOneLineErrorsNamingTheFileAndLine() throws Exception {
    String missing = dir.resolve("nope").toString();
    assertEquals(missing + ": no such run directory or metrics file",
        assertThrows(DataException.class, () -> Curves.read(missing)).getMessage());

    Path empty = Files.createDirectories(dir.resolve("empty"));
    assertEquals(empty.resolve("metrics.jsonl") + ": not found (is " + empty + " a training output directory?)",
        assertThrows(DataException.class, () -> Curves.read(empty.toString())).getMessage());

    Path file = metricsFile(dir.resolve("r"), history(3, 0.3, true, true));
    List<String> lines = Files.readAllLines(file);
    String name = file.toString();

    Files.write(file, List.of(lines.get(0), lines.get(1).substring(0, 20), lines.get(2)));
    DataException truncated = assertThrows(DataException.class, () -> Curves.read(name));
    assertEquals(name, truncated.source());
    assertEquals("line 2", truncated.location());
    assertEquals(1, truncated.getMessage().lines().count(), truncated.getMessage());

    Files.write(file, List.of(lines.get(0), lines.get(1), lines.get(2).replaceFirst("\"train_loss\":[^,]*",
        "\"train_loss\":\"high\"")));
    DataException typed = assertThrows(DataException.class, () -> Curves.read(name));
    assertEquals(name + ": line 3: field train_loss: expected a number, found \"high\"", typed.getMessage());

    Files.write(file, List.of(lines.get(0), lines.get(2), lines.get(1)));
    assertEquals(name + ": line 3: epoch 2 after epoch 3 (epochs must increase)",
        assertThrows(DataException.class, () -> Curves.read(name)).getMessage());

    Files.writeString(file, "\n");
    assertEquals(name + ": no epochs (the file is empty)",
        assertThrows(DataException.class, () -> Curves.read(name)).getMessage());
  }

  @Test
  void writeRunReplacesCurvesPngInTheRunDirectory() throws Exception {
    Path run = Files.createDirectories(dir.resolve("myrun"));
    List<EpochMetrics> h = history(4, 0.3, true, true);
    Curves.writeRun(run.toString(), h.subList(0, 2));
    byte[] first = Files.readAllBytes(run.resolve("curves.png"));
    Curves.writeRun(run.toString(), h);
    byte[] second = Files.readAllBytes(run.resolve("curves.png"));
    assertArrayEquals(Curves.png(h, "myrun"), second, "titled with the run directory's name");
    assertFalse(Arrays.equals(first, second), "the file is replaced");
    try (var s = Files.list(run)) {
      assertEquals(List.of("curves.png"), s.map(p -> p.getFileName().toString()).toList(), "no temporary left");
    }
  }

  @Test
  void runNameIsTheDirectoryName() {
    assertEquals("mnist", Curves.runName("runs/mnist"));
    assertEquals("mnist", Curves.runName("runs/mnist/"));
    assertEquals("mnist", Curves.runName("runs/mnist/metrics.jsonl"));
    assertEquals("x", Curves.runName("hdfs://nn:8020/runs/x"));
    assertEquals(Path.of("").toAbsolutePath().getFileName().toString(), Curves.runName("."));
  }
}

package dev.sparkmlp.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineChartTest {
  @TempDir
  Path dir;

  static int[] pixels(BufferedImage img, int x0, int x1) {
    return img.getRGB(x0, 0, x1 - x0, img.getHeight(), null, 0, x1 - x0);
  }

  static int[] pixels(BufferedImage img) {
    return pixels(img, 0, img.getWidth());
  }

  private static LineChart chart() {
    return new LineChart("t", "epoch", "loss").integerX(true);
  }

  @Test
  void rendersHeadlessAtTheRequestedSize() {
    BufferedImage d = Png.decode(chart().add("a", new double[] {1, 2, 3}, new double[] {3, 2, 1}).png());
    assertEquals(LineChart.WIDTH, d.getWidth());
    assertEquals(LineChart.HEIGHT, d.getHeight());
    BufferedImage s = Png.decode(chart().size(321, 234).add("a", new double[] {1, 2}, new double[] {3, 2}).png());
    assertEquals(321, s.getWidth());
    assertEquals(234, s.getHeight());
    assertEquals("true", System.getProperty("java.awt.headless"), "the plot classes select headless AWT");
  }

  @Test
  void differentDataDrawDifferentImages() {
    double[] x = {1, 2, 3, 4};
    BufferedImage a = chart().add("a", x, new double[] {4, 3, 2, 1}).image();
    BufferedImage b = chart().add("a", x, new double[] {4, 3, 2.5, 1}).image();
    BufferedImage again = chart().add("a", x, new double[] {4, 3, 2, 1}).image();
    assertArrayEquals(pixels(a), pixels(again), "the same chart draws the same pixels");
    assertFalse(java.util.Arrays.equals(pixels(a), pixels(b)));
    BufferedImage log = chart().logY(true).add("a", x, new double[] {4, 3, 2, 1}).image();
    assertFalse(java.util.Arrays.equals(pixels(a), pixels(log)), "a log axis changes the drawing");
  }

  /**
   * A log axis keeps XChart's own decade ticks: a tick formatting function switches XChart to a
   * linear tick calculator, whose labels would not match the log positions (a 1.5 labelled 150).
   */
  @Test
  void logAxisKeepsDecadeTicks() {
    double[] x = {1, 2, 3};
    double[] y = {400, 1.5, 0.02};
    assertNull(chart().logY(true).add("a", x, y).chart().getStyler().getyAxisTickLabelsFormattingFunction());
    assertNotNull(chart().add("a", x, y).chart().getStyler().getyAxisTickLabelsFormattingFunction());
  }

  @Test
  void pointsThatCannotBeDrawnAreLeftOut() {
    BufferedImage gaps = chart().logY(true)
        .add("a", new double[] {1, 2, 3, 4, 5}, new double[] {10, Double.NaN, 0, -1, 0.1}).image();
    BufferedImage kept = chart().logY(true).add("a", new double[] {1, 5}, new double[] {10, 0.1}).image();
    assertArrayEquals(pixels(kept), pixels(gaps), "NaN and non-positive points on a log axis are dropped");

    BufferedImage withEmpty = chart().add("a", new double[] {1, 2}, new double[] {2, 1})
        .add("b", new double[] {1, 2}, new double[] {Double.NaN, Double.NaN}).image();
    BufferedImage alone = chart().add("a", new double[] {1, 2}, new double[] {2, 1}).image();
    assertArrayEquals(pixels(alone), pixels(withEmpty), "a series with no drawable point is not drawn");
  }

  @Test
  void seriesStyleAndLegendShowInTheImage() {
    double[] x = {1, 2, 3};
    double[] y = {3, 1, 2};
    LineChart.Style shown = new LineChart.Style(LineChart.color(0), false, true);
    BufferedImage solid = chart().add("a", x, y, shown).image();
    BufferedImage dashed = chart().add("a", x, y, new LineChart.Style(LineChart.color(0), true, true)).image();
    BufferedImage hidden = chart().add("a", x, y, new LineChart.Style(LineChart.color(0), false, false)).image();
    BufferedImage red = chart().add("a", x, y, new LineChart.Style(LineChart.color(3), false, true)).image();
    assertFalse(java.util.Arrays.equals(pixels(solid), pixels(dashed)));
    assertFalse(java.util.Arrays.equals(pixels(solid), pixels(hidden)));
    assertFalse(java.util.Arrays.equals(pixels(solid), pixels(red)));
  }

  @Test
  void badSeriesAreRefusedByName() {
    LineChart c = chart().add("a", new double[] {1}, new double[] {1});
    assertEquals("series a is added twice to chart 't'", assertThrows(IllegalArgumentException.class,
        () -> c.add("a", new double[] {2}, new double[] {2})).getMessage());
    assertEquals("series b: 2 x values but 1 y values", assertThrows(IllegalArgumentException.class,
        () -> c.add("b", new double[] {1, 2}, new double[] {1})).getMessage());
    assertThrows(IllegalArgumentException.class, () -> c.size(50, 400));
  }

  @Test
  void tickLabelsHaveAtMostFiveSignificantDigits() {
    assertEquals("1.6095", LineChart.tick(1.609522569072963));
    assertEquals("0.3", LineChart.tick(0.1 + 0.2));
    assertEquals("42", LineChart.tick(42.0));
    assertEquals("0", LineChart.tick(0.0));
    assertEquals("0.001", LineChart.tick(1e-3));
    assertEquals("1E-8", LineChart.tick(1e-8));
    assertEquals("-2.5", LineChart.tick(-2.5));
  }

  @Test
  void writesAtomicallyToAPath() throws Exception {
    Path f = dir.resolve("sub/chart.png");
    chart().add("a", new double[] {1, 2}, new double[] {1, 2}).write(f.toString());
    assertEquals(LineChart.WIDTH, Png.decode(Files.readAllBytes(f)).getWidth());
    try (var s = Files.list(f.getParent())) {
      assertEquals(1, s.count(), "no temporary file is left beside the chart");
    }
  }
}

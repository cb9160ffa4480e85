package dev.sparkmlp.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.io.Json;
import org.junit.jupiter.api.Test;

/** A metrics.jsonl line read back with {@link EpochMetrics#fromJson}. */
class EpochMetricsTest {
  private static EpochMetrics sample(Metrics val) {
    return new EpochMetrics(3, 10, 1234, 0.4321, new Metrics(0.4, 0.875, 600, 0.11, 0.07), val, 1e-3, 1.5,
        40_000.0, 12.0, new String[] {"dense0", "dense1"}, new double[] {0.25, 1.5});
  }

  @Test
  void readsBackWhatToMapWrites() {
    EpochMetrics m = sample(new Metrics(0.5, 0.8125, 200, 0.13, 0.08));
    EpochMetrics r = EpochMetrics.fromJson(Json.line(m.toMap()));
    assertEquals(3, r.epoch());
    assertEquals(1234, r.step());
    assertEquals(0.4321, r.trainLoss());
    assertEquals(0.875, r.train().accuracy());
    assertEquals(0.11, r.train().bce());
    assertEquals(0.07, r.train().halfMse());
    assertEquals(0.5, r.validation().loss());
    assertEquals(0.8125, r.validation().accuracy());
    assertEquals(0.13, r.validation().bce());
    assertEquals(1e-3, r.lr());
    assertEquals(1.5, r.seconds());
    assertEquals(40_000.0, r.samplesPerSecond());
    assertArrayEquals(new String[] {"dense0", "dense1"}, r.layerNames());
    assertArrayEquals(new double[] {0.25, 1.5}, r.gradNorms());
    assertEquals(Json.line(m.toMap()), Json.line(r.toMap()), "the line survives a round trip unchanged");
  }

  @Test
  void nullReadsAsNaNAndNoValidationAsNull() {
    EpochMetrics m = new EpochMetrics(1, 1, 5, 0.3, new Metrics(0.3, Double.NaN, 10, Double.NaN, Double.NaN), null,
        0.01, 0.1, 100, 0, new String[0], new double[0]);
    String line = Json.line(m.toMap());
    assertTrue(line.contains("\"train_accuracy\":null"), line);
    EpochMetrics r = EpochMetrics.fromJson(line);
    assertTrue(Double.isNaN(r.train().accuracy()));
    assertNull(r.validation());
    assertEquals(0.3, r.trainLoss());
  }

  @Test
  void badLinesNameTheField() {
    assertEquals("field epoch: missing",
        assertThrows(IllegalArgumentException.class, () -> EpochMetrics.fromJson("{\"train_loss\":1}")).getMessage());
    assertEquals("field epoch: expected a positive integer, found 0", assertThrows(IllegalArgumentException.class,
        () -> EpochMetrics.fromJson("{\"epoch\":0,\"train_loss\":1,\"train_accuracy\":0.5}")).getMessage());
    assertEquals("field train_loss: expected a number or null, found \"abc\"", assertThrows(
        IllegalArgumentException.class,
        () -> EpochMetrics.fromJson("{\"epoch\":1,\"train_loss\":\"abc\",\"train_accuracy\":0.5}")).getMessage());
    assertEquals("field train_accuracy: missing", assertThrows(IllegalArgumentException.class,
        () -> EpochMetrics.fromJson("{\"epoch\":1,\"train_loss\":1}")).getMessage());
    assertEquals("field grad_norm.dense0: expected a number or null, found true", assertThrows(
        IllegalArgumentException.class, () -> EpochMetrics.fromJson(
            "{\"epoch\":1,\"train_loss\":1,\"train_accuracy\":0.5,\"grad_norm\":{\"dense0\":true}}")).getMessage());
    assertEquals("expected a JSON object, found [1,2]",
        assertThrows(IllegalArgumentException.class, () -> EpochMetrics.fromJson("[1,2]")).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> EpochMetrics.fromJson("{\"epoch\":1,"))
        .getMessage().startsWith("invalid JSON"));
  }
}

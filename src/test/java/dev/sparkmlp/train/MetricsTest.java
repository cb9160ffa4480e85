package dev.sparkmlp.train;

import static dev.sparkmlp.train.TrainerTest.blobs;
import static dev.sparkmlp.train.TrainerTest.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.io.Json;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.OutputMetric;
import dev.sparkmlp.nn.TrueClassOutput;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Output metrics through the local evaluator, Metrics and the metrics.jsonl line. */
class MetricsTest {
  @Test
  void extrasAreMeansOverTheRowsInMetricOrder() {
    OutputMetric[] ms = {new TrueClassOutput(), named("second")};
    Metrics m = Metrics.of(6, 2, 4, ms, new double[] {2, 1});
    assertEquals(1.5, m.loss());
    assertEquals(0.5, m.accuracy());
    assertEquals(List.of("p_true", "second"), List.copyOf(m.extras().keySet()));
    assertEquals(0.5, m.extra("p_true"));
    assertEquals(0.25, m.extra("second"));
    assertTrue(Double.isNaN(m.extra("absent")));
    assertTrue(Double.isNaN(Metrics.of(0, 0, 0, ms, new double[2]).extra("p_true")));
    assertThrows(IllegalArgumentException.class, () -> Metrics.checked(List.of(named("loss"))));
    assertThrows(IllegalArgumentException.class, () -> Metrics.checked(List.of(named("Bad-Name"))));
    assertThrows(IllegalArgumentException.class,
        () -> Metrics.checked(List.of(new TrueClassOutput(), new TrueClassOutput())));
  }

  /** The per-thread sums are added in thread order: any thread count gives the same mean. */
  @Test
  void localEvaluatorSumsTheMetricOverEveryRow() {
    Network net = Network.build(spec(0f, false));
    float[] w = new float[net.paramCount()];
    net.initialize(w, new float[0], 3);
    Block data = blobs(1500, 5);
    List<OutputMetric> metrics = List.of(new TrueClassOutput());
    var ws = net.newWorkspace(data.rows);
    double[] sum = new double[1];
    net.evaluate(w, new float[0], data, 0, data.rows, ws, new OutputMetric[] {new TrueClassOutput()}, sum);
    double expected = sum[0] / data.rows;
    for (int threads : new int[] {1, 3}) {
      try (LocalEvaluator e = new LocalEvaluator(net, data, threads, "test set", metrics)) {
        Metrics m = e.evaluate(w, new float[0]);
        assertEquals(expected, m.extra("p_true"), 1e-12, threads + " threads");
        assertEquals(ws.lossSum() / data.rows, m.loss(), 1e-9);
      }
    }
    try (LocalEvaluator plain = new LocalEvaluator(net, data, 2, "test set")) {
      assertEquals(Map.of(), plain.evaluate(w, new float[0]).extras());
    }
  }

  @Test
  void epochLineWritesAndReadsTheExtras() {
    Metrics train = new Metrics(0.5, 0.9, 100, Map.of("p_true", 0.8));
    Metrics val = new Metrics(0.6, 0.85, 50, Map.of("p_true", 0.7));
    EpochMetrics e = new EpochMetrics(3, 10, 30, 0.55, train, val, 1e-3, 2, 500, 14);
    Map<String, Object> line = e.toMap();
    assertEquals(0.8, line.get("train_p_true"));
    assertEquals(0.7, line.get("val_p_true"));
    assertEquals(e, EpochMetrics.fromJson(Json.parse(Json.line(line))));
  }

  private static OutputMetric named(String name) {
    return new OutputMetric() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public double sum(float[] yhat, float[] y, int rows, int k) {
        return rows;
      }
    };
  }
}

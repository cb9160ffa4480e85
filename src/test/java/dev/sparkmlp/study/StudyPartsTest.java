package dev.sparkmlp.study;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sparkmlp.math.Segments;
import dev.sparkmlp.optim.OptimizerSpec;
import dev.sparkmlp.study.AblationPlan.Cell;
import dev.sparkmlp.study.AblationPlan.Phase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The study's pieces with hand-computed answers. */
class StudyPartsTest {
  @TempDir Path dir;

  /** Two rows, three outputs: BCE averaged over the outputs, half SE summed over them. */
  @Test
  void outputMetricsKnownAnswers() {
    float[] yhat = {0.7f, 0.2f, 0.1f, 0.25f, 0.25f, 0.5f};
    float[] y = {1, 0, 0, 0, 0, 1};
    double bce0 = -(Math.log(0.7f) + Math.log(1.0 - 0.2f) + Math.log(1.0 - 0.1f)) / 3;
    double bce1 = -(Math.log(1.0 - 0.25f) + Math.log(1.0 - 0.25f) + Math.log(0.5f)) / 3;
    assertEquals(bce0 + bce1, new OutputBce().sum(yhat, y, 2, 3), 1e-12);
    double se = 0.5 * (0.3f * 0.3f + 0.2f * 0.2f + 0.1f * 0.1f)
        + 0.5 * (0.25f * 0.25f + 0.25f * 0.25f + 0.5f * 0.5f);
    assertEquals(se, new HalfSquaredError().sum(yhat, y, 2, 3), 1e-7);
    // A saturated wrong output costs -log(1e-7)/k, not infinity.
    assertEquals(-Math.log(1e-7) / 2 * 2,
        new OutputBce().sum(new float[] {0, 1}, new float[] {1, 0}, 1, 2), 1e-9);
    assertEquals(List.of("bce", "half_mse"),
        AblationResult.METRICS.stream().map(m -> m.name()).toList());
  }

  /** norm_l = mean over the epoch's steps of ||g[layer l]||, reset at each epoch end. */
  @Test
  void layerGradNormsAverageTheStepNorms() {
    LayerGradNorms n = new LayerGradNorms(new Segments(new int[] {0, 2}, new int[] {2, 1}));
    n.add(new float[] {3, 4, -2});
    n.add(new float[] {0, 0, 4});
    assertArrayEquals(new double[] {2.5, 3}, n.endEpoch(), 1e-12);
    n.add(new float[] {6, 8, 1});
    assertArrayEquals(new double[] {10, 1}, n.endEpoch(), 1e-12);
  }

  @Test
  void markdownTableChecksItsRows() {
    MdTable t = new MdTable().left("Optimizer").right("CV", "Train");
    t.row("SGD", "0.95", null);
    assertEquals("| Optimizer | CV | Train |\n|---|---:|---:|\n| SGD | 0.95 | null |\n", t.toString());
    assertThrows(IllegalArgumentException.class, () -> t.row("Adam", "0.9"));
  }

  @Test
  void proseNumbersComeFromTheSettings() {
    OptimizerSpec o = new OptimizerSpec("adam", 0.8, 0.99, 1e-8, 0.5, 0.9, false, 0,
        OptimizerSpec.DEFAULT_TRUST_COEFFICIENT);
    assertEquals(
        " (Momentum β = 0.5 and RMSProp β = 0.9, without bias correction; Adam β₁ = 0.8, β₂ ="
            + " 0.99)",
        ReportProse.hyperparameters(List.of("sgd", "momentum", "rmsprop", "adam"), o));
    assertEquals(
        " (RMSProp β = 0.999, bias-corrected)",
        ReportProse.hyperparameters(List.of("rmsprop"), OptimizerSpec.defaults("rmsprop")));
    assertEquals("", ReportProse.hyperparameters(List.of("sgd"), o));
    assertEquals("a factor-10 margin", ReportProse.sweepMargin(List.of(0.1, 0.001, 0.01)));
    assertEquals(
        "a margin of a factor 3 to 3.3",
        ReportProse.sweepMargin(List.of(0.0001, 0.0003, 0.001, 0.003)));
  }

  @Test
  void numbersAreWrittenShortAndRoundTripThroughTheCsv() {
    assertEquals("0.001", Fmt.num(1e-3));
    assertEquals("3", Fmt.num(3.0));
    assertEquals("0.123457", Fmt.csv(0.1234567));
    assertEquals("1.5e-05", Fmt.csv(1.5e-5));
    assertEquals("", Fmt.csv(Double.NaN));
    for (double v : new double[] {0.1234567, 1.5e-5, 2962.05, 1287490.3, 3.0, Double.POSITIVE_INFINITY}) {
      String s = Fmt.csv(v);
      assertEquals(s, Fmt.csv(PublishedResults.number(s)), s);
    }
    assertEquals("1h02m", Fmt.duration(3725));
    assertEquals("five", Fmt.word(5));
  }

  /**
   * The sweep keeps a margin: the largest rate that scored best has no larger rate to vouch for
   * it, and a rate whose next larger rate diverged is not eligible either.
   */
  @Test
  void sweepChoiceKeepsAStabilityMarginBelowTheLargestRate() {
    AblationPlan plan = plan(List.of(0.01, 0.1, 0.3));
    List<AblationResult> stable =
        List.of(sweep(0.01, 0.80, false), sweep(0.1, 0.90, false), sweep(0.3, 0.95, false));
    assertEquals(0.1, AblationStudy.chooseRates(plan, stable).get("sgd"));
    List<AblationResult> diverging =
        List.of(sweep(0.01, 0.80, false), sweep(0.1, 0.90, false), sweep(0.3, Double.NaN, true));
    assertEquals(0.01, AblationStudy.chooseRates(plan, diverging).get("sgd"));
  }

  /** results.csv and history.csv hold what the report needs: a result reads back equal. */
  @Test
  void publishedResultsReadBackWhatTheCsvWrote() throws Exception {
    AblationResult done = sweep(0.1, 0.90, false);
    AblationResult diverged = sweep(0.3, Double.NaN, true);
    Files.writeString(dir.resolve("results.csv"), ReportCsv.results(List.of(done, diverged)));
    Files.writeString(dir.resolve("history.csv"), ReportCsv.history(List.of(done, diverged)));
    PublishedResults p = PublishedResults.read(dir.toString());
    AblationResult back = p.result(done.cell());
    assertEquals(1, back.history().size());
    AblationResult.Epoch e = back.history().get(0);
    assertEquals(done.last().train(), e.train());
    assertEquals(done.last().val(), e.val());
    assertEquals(done.last().trainCost(), e.trainCost());
    assertArrayEquals(done.last().gradNorms(), e.gradNorms());
    assertEquals(done.initial().val(), back.initial().val());
    assertArrayEquals(done.initial().gradNorms(), back.initial().gradNorms());
    assertEquals(done.seconds(), back.seconds());
    assertEquals(true, p.result(diverged.cell()).isDiverged());
    // A cell with other settings under the same id is not the published run.
    assertNull(p.result(done.cell().withLr(0.2)));
    // The old results.csv wrote one empty cell too many for a diverged run; it still reads.
    String old = Files.readString(dir.resolve("results.csv")).replace(",true,,,,,,cv,", ",true,,,,,,cv,,");
    Files.writeString(dir.resolve("results.csv"), old);
    assertEquals(1.0, PublishedResults.read(dir.toString()).result(diverged.cell()).seconds());
  }

  private static AblationPlan plan(List<Double> rates) {
    return new AblationPlan("T", "none", List.of("sgd"), List.of("he_uniform"), List.of(0.0),
        List.of(1L), Map.of("sgd", 0.05), rates, 3, true, 3, 10, 0, 100, 100, 100,
        new AblationPlan.FullData(0, List.of(), "he_uniform", 0, List.of(), 0, List.of(), "", 0),
        new AblationPlan.SmallSample(0, 1, "sgd", "he_uniform", List.of(), List.of(), false));
  }

  private static AblationResult sweep(double lr, double acc, boolean diverged) {
    Cell cell = new Cell("sweep-sgd-lr" + lr, Phase.SWEEP, "sgd", lr, "he_uniform", 0, 0, 1, 3);
    AblationResult.Snapshot snap = new AblationResult.Snapshot(0.5, acc, 0.05, 0.1);
    AblationResult.Epoch e0 = new AblationResult.Epoch(0, 2.3, snap, snap, new double[] {1.25});
    AblationResult.Epoch e1 = new AblationResult.Epoch(1, 0.5, snap, snap, new double[] {0.5});
    return new AblationResult(
        cell,
        "key",
        new String[] {"dense1"},
        e0,
        diverged ? List.of() : List.of(e1),
        diverged ? "diverged" : null,
        1);
  }
}

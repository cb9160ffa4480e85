package dev.sparkmlp.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkmlp.optim.OptimizerState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointIOTest {
  @TempDir Path tmp;

  private static Checkpoint checkpoint(double bestMetric, boolean keepBest) {
    SavedModel m = ModelIOTest.model();
    Map<String, float[]> arrays = new LinkedHashMap<>();
    arrays.put("v", ModelIOTest.floats(55, 7));
    arrays.put("m", ModelIOTest.floats(55, 8));
    arrays.put("empty", new float[0]);
    OptimizerState opt = new OptimizerState("adam", 1234, arrays);
    List<String> history = List.of("{\"epoch\":1,\"loss\":0.5}", "{\"epoch\":2,\"loss\":0.30000000000000004}");
    return new Checkpoint(m, opt, 2, 1234, -8_000_000_000L, "optimizer = adam\nlr = 0.001\n", history,
        bestMetric, 1, 1, keepBest ? ModelIOTest.floats(55, 9) : null,
        keepBest ? ModelIOTest.floats(8, 10) : null);
  }

  private static void assertSameCheckpoint(Checkpoint a, Checkpoint b) {
    assertEquals(a.model().spec(), b.model().spec());
    assertArrayEquals(a.model().params(), b.model().params());
    assertArrayEquals(a.model().buffers(), b.model().buffers());
    assertEquals(a.model().scaler(), b.model().scaler());
    assertEquals(a.model().info(), b.model().info());
    assertEquals(a.optimizer(), b.optimizer());
    assertEquals(List.copyOf(a.optimizer().arrays().keySet()), List.copyOf(b.optimizer().arrays().keySet()));
    assertEquals(a.epoch(), b.epoch());
    assertEquals(a.step(), b.step());
    assertEquals(a.seed(), b.seed());
    assertEquals(a.config(), b.config());
    assertEquals(a.metricsHistory(), b.metricsHistory());
    assertEquals(Double.doubleToRawLongBits(a.bestMetric()), Double.doubleToRawLongBits(b.bestMetric()));
    assertEquals(a.bestEpoch(), b.bestEpoch());
    assertEquals(a.badEpochs(), b.badEpochs());
    assertArrayEquals(a.bestParams(), b.bestParams());
    assertArrayEquals(a.bestBuffers(), b.bestBuffers());
  }

  private List<String> tree() throws IOException {
    try (Stream<Path> s = Files.walk(tmp)) {
      return s.filter(p -> !p.equals(tmp)).map(p -> tmp.relativize(p).toString()).sorted().toList();
    }
  }

  @Test
  void roundTripIsBitExact() throws IOException {
    String dir = tmp.resolve("ckpt").toString();
    for (double best : new double[] {0.1 + 0.2, Double.POSITIVE_INFINITY, -0.0, Double.NaN, 4.9e-324}) {
      Checkpoint c = checkpoint(best, true);
      CheckpointIO.save(c, dir);
      assertSameCheckpoint(c, CheckpointIO.load(dir));
    }
    assertEquals(List.of("ckpt", "ckpt/best.bin", "ckpt/checkpoint.json", "ckpt/model.json",
        "ckpt/optimizer.bin", "ckpt/weights.bin"), tree());
    // The checkpoint is also a saved model.
    assertArrayEquals(checkpoint(0, true).model().params(), ModelIO.load(dir).params());
  }

  @Test
  void roundTripWithoutBestWeightsOrOptimizerArrays() throws IOException {
    Checkpoint full = checkpoint(1.5, false);
    Checkpoint c = new Checkpoint(full.model(), new OptimizerState("sgd", 0, Map.of()), 0, 0, 42, "",
        List.of(), Double.NEGATIVE_INFINITY, -1, 0, null, null);
    String dir = tmp.resolve("ckpt").toUri().toString();
    CheckpointIO.save(c, dir);
    Checkpoint back = CheckpointIO.load(dir);
    assertSameCheckpoint(c, back);
    assertNull(back.bestParams());
    assertEquals(List.of("ckpt", "ckpt/checkpoint.json", "ckpt/model.json", "ckpt/optimizer.bin",
        "ckpt/weights.bin"), tree());
  }

  // ---- corruptions ----

  private String saveAndBreak(Consumer<Path> damage) {
    Path dir = tmp.resolve("ckpt");
    CheckpointIO.save(checkpoint(0.25, true), dir.toString());
    damage.accept(dir);
    return assertThrows(ModelFormatException.class, () -> CheckpointIO.load(dir.toString())).getMessage();
  }

  private static void editJson(Path dir, Consumer<ObjectNode> edit) {
    try {
      Path f = dir.resolve("checkpoint.json");
      ObjectNode root = (ObjectNode) Json.MAPPER.readTree(Files.readString(f));
      edit.accept(root);
      Files.writeString(f, Json.MAPPER.writeValueAsString(root));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void flipByte(Path f, int at) {
    try {
      byte[] b = Files.readAllBytes(f);
      b[at] ^= 1;
      Files.write(f, b);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void corruptOptimizerFile() {
    String d = tmp.resolve("ckpt").toString();
    assertEquals(d + "/optimizer.bin: checksum mismatch (file corrupt or truncated)",
        saveAndBreak(dir -> flipByte(dir.resolve("optimizer.bin"), 100)));
    assertEquals(d + "/optimizer.bin: file not found",
        saveAndBreak(dir -> dir.resolve("optimizer.bin").toFile().delete()));
  }

  @Test
  void corruptBestWeights() {
    String d = tmp.resolve("ckpt").toString();
    assertEquals(d + "/best.bin: checksum mismatch (file corrupt or truncated)",
        saveAndBreak(dir -> flipByte(dir.resolve("best.bin"), 30)));
  }

  @Test
  void corruptModelPartOfTheCheckpoint() {
    String d = tmp.resolve("ckpt").toString();
    assertEquals(d + "/weights.bin: checksum mismatch (file corrupt or truncated)",
        saveAndBreak(dir -> flipByte(dir.resolve("weights.bin"), 20)));
  }

  @Test
  void badCheckpointFields() {
    String d = tmp.resolve("ckpt").toString();
    assertEquals(d + "/checkpoint.json: field optimizer.arrays[1].length: missing",
        saveAndBreak(dir -> editJson(dir, r ->
            ((ObjectNode) ((ArrayNode) r.get("optimizer").get("arrays")).get(1)).remove("length"))));
    assertEquals(d + "/optimizer.bin: file too long: 464 bytes, expected 244",
        saveAndBreak(dir -> editJson(dir, r ->
            ((ObjectNode) ((ArrayNode) r.get("optimizer").get("arrays")).get(1)).put("length", 0))));
    assertEquals(d + "/checkpoint.json: field epoch: expected a non-negative integer, found -1",
        saveAndBreak(dir -> editJson(dir, r -> r.put("epoch", -1))));
    assertEquals(d + "/checkpoint.json: field early_stopping.best_metric: expected a number, found \"best\"",
        saveAndBreak(dir -> editJson(dir, r -> ((ObjectNode) r.get("early_stopping")).put("best_metric", "best"))));
    assertEquals(d + "/checkpoint.json: field metrics_history[0]: expected a string, found an object",
        saveAndBreak(dir -> editJson(dir, r -> ((ArrayNode) r.get("metrics_history")).insertObject(0))));
    assertEquals(d + "/checkpoint.json: file not found",
        saveAndBreak(dir -> dir.resolve("checkpoint.json").toFile().delete()));
  }

  @Test
  void partialEpochRoundTripsBitExactAndVersion1ReadsAsAnEpochBoundary() {
    String dir = tmp.resolve("ckpt").toString();
    Checkpoint c = checkpoint(0.5, false);
    Checkpoint.Partial p = new Checkpoint.Partial(7, 0.1 + 0.2, -0.0, 280, 251, 4.9e-324);
    Checkpoint mid = new Checkpoint(c.model(), c.optimizer(), c.epoch(), c.step(), c.seed(),
        c.config(), c.metricsHistory(), c.bestMetric(), c.bestEpoch(), c.badEpochs(), null, null, p);
    CheckpointIO.save(mid, dir);
    Checkpoint back = CheckpointIO.load(dir);
    assertSameCheckpoint(mid, back);
    assertEquals(p.steps(), back.partial().steps());
    assertEquals(Double.doubleToRawLongBits(p.lossSum()), Double.doubleToRawLongBits(back.partial().lossSum()));
    assertEquals(Double.doubleToRawLongBits(p.penaltySum()), Double.doubleToRawLongBits(back.partial().penaltySum()));
    assertEquals(p.count(), back.partial().count());
    assertEquals(p.correct(), back.partial().correct());
    assertEquals(Double.doubleToRawLongBits(p.lr()), Double.doubleToRawLongBits(back.partial().lr()));

    editJson(tmp.resolve("ckpt"), r -> {
      r.put("version", 1);
      r.remove("partial_epoch");
    });
    assertEquals(Checkpoint.Partial.NONE, CheckpointIO.load(dir).partial());

    String d = tmp.resolve("ckpt").toString();
    assertEquals(d + "/checkpoint.json: field partial_epoch: missing",
        saveAndBreak(dir2 -> editJson(dir2, r -> r.remove("partial_epoch"))));
    assertEquals(d + "/checkpoint.json: field partial_epoch.count: expected a non-negative integer, found -1",
        saveAndBreak(dir2 -> editJson(dir2, r -> ((ObjectNode) r.get("partial_epoch")).put("count", -1))));
    assertEquals(d + "/checkpoint.json: field version: unsupported version 3 (this build reads versions 1 to 2)",
        saveAndBreak(dir2 -> editJson(dir2, r -> r.put("version", 3))));
  }

  @Test
  void rejectsInconsistentCheckpoints() {
    Checkpoint c = checkpoint(0, true);
    assertThrows(IllegalArgumentException.class, () -> new Checkpoint(c.model(), c.optimizer(), 1, 1, 1, "",
        List.of(), 0, 0, 0, new float[55], null));
    assertThrows(IllegalArgumentException.class, () -> new Checkpoint(c.model(), c.optimizer(), 1, 1, 1, "",
        List.of(), 0, 0, 0, new float[54], new float[8]));
  }
}

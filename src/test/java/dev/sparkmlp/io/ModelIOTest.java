package dev.sparkmlp.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkmlp.data.Scaler;
import dev.sparkmlp.nn.Activation;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.nn.LayerSpec;
import dev.sparkmlp.nn.Loss;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.NetworkSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelIOTest {
  @TempDir Path tmp;
  private Path dir;
  private String d;

  @BeforeEach
  void paths() {
    dir = tmp.resolve("model");
    d = dir.toString();
  }

  /** Every layer type, with float hyper-parameters that have no short decimal form. */
  static NetworkSpec allLayers() {
    return new NetworkSpec(5, List.of(
        new LayerSpec.Dense(4, Init.HE_UNIFORM),
        new LayerSpec.BatchNorm(0.9f, 1e-5f),
        new LayerSpec.LayerNorm(1f / 3f),
        new LayerSpec.Act(Activation.LEAKY_RELU, 0.01f),
        new LayerSpec.Dropout(0.25f),
        new LayerSpec.Dense(3, Init.XAVIER_NORMAL),
        new LayerSpec.Act(Activation.SOFTMAX, 0f)), Loss.CCE);
  }

  /** Random values plus the floats that text formats tend to lose. */
  static float[] floats(int n, long seed) {
    Random r = new Random(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian() * (float) Math.pow(10, r.nextInt(7) - 3);
    float[] special = {-0f, Float.MIN_VALUE, Float.MAX_VALUE, 1e-40f, Float.NaN, 0.1f};
    for (int i = 0; i < Math.min(n, special.length); i++) a[i] = special[i];
    return a;
  }

  static SavedModel model() {
    // 5*4+4 dense, 2*4 batchnorm, 2*4 layernorm, 4*3+3 dense = 55 params; 2*4 buffers.
    Scaler scaler = Scaler.of(Scaler.Kind.STANDARD,
        new float[] {0.5f, -0f, 1f / 7f, 3e7f, 1e-30f}, new float[] {2f, 1f, 0.1f, 1f / 3f, 7f});
    Map<String, String> info = new LinkedHashMap<>();
    info.put("created", "2025-01-01T00:00:00Z");
    info.put("sparkmlp", "0.1.0");
    info.put("config", "optimizer=adam lr=0.001 \"quoted\"\nsecond line");
    return new SavedModel(allLayers(), floats(55, 1), floats(8, 2), scaler, "classification", 3, info);
  }

  private static void assertSameModel(SavedModel a, SavedModel b) {
    assertEquals(a.spec(), b.spec());
    assertArrayEquals(a.params(), b.params());
    assertArrayEquals(a.buffers(), b.buffers());
    for (int i = 0; i < a.params().length; i++) {
      assertEquals(Float.floatToRawIntBits(a.params()[i]), Float.floatToRawIntBits(b.params()[i]));
    }
    assertEquals(a.scaler(), b.scaler());
    if (a.scaler() != null) {
      for (int j = 0; j < a.scaler().features(); j++) {
        assertEquals(Float.floatToRawIntBits(a.scaler().shift()[j]),
            Float.floatToRawIntBits(b.scaler().shift()[j]), "shift " + j);
      }
    }
    assertEquals(a.task(), b.task());
    assertEquals(a.classes(), b.classes());
    assertEquals(List.copyOf(a.info().entrySet()), List.copyOf(b.info().entrySet()));
  }

  private List<String> tmpTree() throws IOException {
    try (Stream<Path> s = Files.walk(tmp)) {
      return s.filter(p -> !p.equals(tmp)).map(p -> tmp.relativize(p).toString()).sorted().toList();
    }
  }

  @Test
  void roundTripIsBitExact() throws IOException {
    SavedModel m = model();
    ModelIO.save(m, d);
    SavedModel back = ModelIO.load(d);
    assertSameModel(m, back);
    assertEquals(List.of("model", "model/model.json", "model/weights.bin"), tmpTree());
    assertEquals(8 + 8 + 4 * (55 + 8), Files.size(dir.resolve("weights.bin")));
    String json = Files.readString(dir.resolve("model.json"));
    assertTrue(json.contains("\"format\": \"sparkmlp-model\""), json);
    assertTrue(json.contains("\"type\": \"batchnorm\""), json);
  }

  @Test
  void expectedCountsAgreeWithTheNetwork() {
    List<NetworkSpec> specs = List.of(allLayers(),
        NetworkSpec.mlp(7, new int[] {6, 5}, 2, Activation.RELU, 0f, Init.HE_NORMAL, Activation.SIGMOID,
            Loss.BCE, 0.1f, true, true),
        new NetworkSpec(3, List.of(new LayerSpec.LayerNorm(1e-5f), new LayerSpec.BatchNorm(0.5f, 1e-3f),
            new LayerSpec.Dense(2, Init.ZEROS)), Loss.MSE));
    for (NetworkSpec s : specs) {
      Network n = Network.build(s);
      assertArrayEquals(new long[] {n.paramCount(), n.bufferCount()}, ModelFormat.expectedCounts(s), s.toString());
    }
  }

  @Test
  void roundTripWithoutScalerThroughFileUri() {
    SavedModel m = new SavedModel(new NetworkSpec(2, List.of(new LayerSpec.Dense(1, Init.ZEROS)), Loss.MSE),
        new float[] {1f, 2f, 3f}, new float[0], null, "regression", 0, Map.of());
    String uri = dir.toUri().toString();
    ModelIO.save(m, uri);
    SavedModel back = ModelIO.load(uri);
    assertNull(back.scaler());
    assertSameModel(m, back);
  }

  @Test
  void saveReplacesAnExistingModel() throws IOException {
    ModelIO.save(model(), d);
    SavedModel small = new SavedModel(new NetworkSpec(1, List.of(new LayerSpec.Dense(1, Init.ZEROS)), Loss.MSE),
        new float[] {4f, 5f}, new float[0], null, "regression", 0, Map.of());
    ModelIO.save(small, d);
    assertSameModel(small, ModelIO.load(d));
    assertEquals(List.of("model", "model/model.json", "model/weights.bin"), tmpTree());
  }

  @Test
  void refusesToSaveArraysThatDisagreeWithTheSpec() throws IOException {
    ModelIO.save(model(), d);
    SavedModel m = model();
    SavedModel bad = new SavedModel(m.spec(), new float[54], m.buffers(), null, "classification", 3, Map.of());
    var e = assertThrows(IllegalArgumentException.class, () -> ModelIO.save(bad, d));
    assertTrue(e.getMessage().contains("54 params"), e.getMessage());
    assertSameModel(m, ModelIO.load(d));
  }

  @Test
  void interruptedWriteLeavesTheOldModelIntact() throws IOException {
    SavedModel m = model();
    ModelIO.save(m, d);
    assertThrows(UncheckedIOException.class, () -> Fs.writeDirectoryAtomically(d, t -> {
      ModelIO.writeInto(new SavedModel(m.spec(), new float[55], m.buffers(), null, "regression", 0,
          Map.of()), t);
      throw new IOException("killed mid-way");
    }));
    assertSameModel(m, ModelIO.load(d));
    assertEquals(List.of("model", "model/model.json", "model/weights.bin"), tmpTree());
  }

  // ---- corruptions: each names the file and, for JSON, the field ----

  private String loadError() {
    return assertThrows(ModelFormatException.class, () -> ModelIO.load(d)).getMessage();
  }

  private void editJson(Consumer<ObjectNode> edit) throws IOException {
    Path f = dir.resolve("model.json");
    ObjectNode root = (ObjectNode) Json.MAPPER.readTree(Files.readString(f));
    edit.accept(root);
    Files.writeString(f, Json.MAPPER.writeValueAsString(root));
  }

  private static ObjectNode layer(ObjectNode root, int i) {
    return (ObjectNode) ((ArrayNode) root.get("spec").get("layers")).get(i);
  }

  private void assertMessage(String expected, String actual) {
    assertEquals(d + "/" + expected, actual);
    assertTrue(!actual.contains("\n"), actual);
  }

  @Test
  void flippedByteIsACheckSumMismatch() throws IOException {
    ModelIO.save(model(), d);
    Path w = dir.resolve("weights.bin");
    byte[] b = Files.readAllBytes(w);
    b[40] ^= 0x10;
    Files.write(w, b);
    assertMessage("weights.bin: checksum mismatch (file corrupt or truncated)", loadError());
  }

  @Test
  void truncatedWeights() throws IOException {
    ModelIO.save(model(), d);
    Path w = dir.resolve("weights.bin");
    byte[] b = Files.readAllBytes(w);
    Files.write(w, java.util.Arrays.copyOf(b, b.length - 4));
    assertMessage("weights.bin: file too short: 264 bytes, expected 268 (truncated?)", loadError());
    Files.write(w, java.util.Arrays.copyOf(b, b.length + 1));
    assertMessage("weights.bin: file too long: 269 bytes, expected 268", loadError());
  }

  @Test
  void missingWeightsAndMissingDirectory() throws IOException {
    ModelIO.save(model(), d);
    Files.delete(dir.resolve("weights.bin"));
    assertMessage("weights.bin: file not found", loadError());
    Files.delete(dir.resolve("model.json"));
    assertMessage("model.json: file not found", loadError());
    Files.delete(dir);
    assertEquals(d + ": directory not found", loadError());
  }

  @Test
  void wrongMagic() throws IOException {
    ModelIO.save(model(), d);
    Path w = dir.resolve("weights.bin");
    byte[] b = Files.readAllBytes(w);
    b[0] = 'X';
    Files.write(w, b);
    assertTrue(loadError().startsWith(d + "/weights.bin: not a sparkmlp weights file"));
  }

  @Test
  void garbageJson() throws IOException {
    ModelIO.save(model(), d);
    Files.writeString(dir.resolve("model.json"), "{\n  \"format\": sparkmlp\n}");
    String msg = loadError();
    assertTrue(msg.startsWith(d + "/model.json: invalid JSON at line 2, column "), msg);
    assertTrue(!msg.contains("\n"), msg);
    Files.writeString(dir.resolve("model.json"), "");
    assertMessage("model.json: empty file, expected a JSON object", loadError());
    Files.writeString(dir.resolve("model.json"), "[1, 2]");
    assertMessage("model.json: expected a JSON object at the top level, found an array", loadError());
  }

  @Test
  void missingField() throws IOException {
    ModelIO.save(model(), d);
    editJson(r -> r.remove("task"));
    assertMessage("model.json: field task: missing", loadError());
  }

  @Test
  void missingNestedField() throws IOException {
    ModelIO.save(model(), d);
    editJson(r -> layer(r, 1).remove("eps"));
    assertMessage("model.json: field spec.layers[1].eps: missing", loadError());
  }

  @Test
  void negativeUnits() throws IOException {
    ModelIO.save(model(), d);
    editJson(r -> layer(r, 5).put("units", -3));
    assertMessage("model.json: field spec.layers[5].units: expected a positive integer, found -3", loadError());
  }

  @Test
  void wrongType() throws IOException {
    ModelIO.save(model(), d);
    editJson(r -> layer(r, 4).put("p", "half"));
    assertMessage("model.json: field spec.layers[4].p: expected a number, found \"half\"", loadError());
  }

  @Test
  void outOfRangeDropout() throws IOException {
    ModelIO.save(model(), d);
    editJson(r -> layer(r, 4).put("p", 1.5));
    assertMessage("model.json: field spec.layers[4]: dropout p must be in [0, 1): 1.5", loadError());
  }

  @Test
  void unknownActivation() throws IOException {
    ModelIO.save(model(), d);
    editJson(r -> layer(r, 3).put("fn", "swish"));
    String msg = loadError();
    assertTrue(msg.startsWith(d + "/model.json: field spec.layers[3].fn: unknown activation 'swish'"), msg);
  }

  @Test
  void unknownLayerTypeLossAndInit() throws IOException {
    ModelIO.save(model(), d);
    editJson(r -> layer(r, 2).put("type", "conv2d"));
    assertTrue(loadError().startsWith(d + "/model.json: field spec.layers[2].type: unknown layer type \"conv2d\""));
    ModelIO.save(model(), d);
    editJson(r -> ((ObjectNode) r.get("spec")).put("loss", "hinge"));
    assertTrue(loadError().startsWith(d + "/model.json: field spec.loss: unknown loss 'hinge'"));
    ModelIO.save(model(), d);
    editJson(r -> layer(r, 0).put("init", "orthogonal"));
    assertTrue(loadError().startsWith(d + "/model.json: field spec.layers[0].init: unknown initialiser"));
  }

  @Test
  void unknownFormatAndVersion() throws IOException {
    ModelIO.save(model(), d);
    editJson(r -> r.put("version", 2));
    assertMessage("model.json: field version: unsupported version 2 (this build reads version 1)", loadError());
    editJson(r -> r.put("format", "keras"));
    assertMessage("model.json: field format: expected \"sparkmlp-model\", found \"keras\"", loadError());
  }

  @Test
  void paramCountThatDisagreesWithTheSpec() throws IOException {
    ModelIO.save(model(), d);
    // 6 hidden units instead of 4: 5*6+6 + 2*6 + 2*6 + 6*3+3 = 81 params, 12 buffers.
    editJson(r -> layer(r, 0).put("units", 6));
    assertMessage("model.json: field params: 55 disagrees with the spec, which implies 81 parameters",
        loadError());
  }

  @Test
  void headerThatDisagreesWithTheJson() throws IOException {
    SavedModel m = model();
    ModelIO.save(m, d);
    // A weights file for the same total size but a different split, with a matching checksum.
    byte[] other = ModelIO.weightsBytes(new float[57], new float[6]);
    Files.write(dir.resolve("weights.bin"), other);
    editJson(r -> r.put("weights_sha256", ModelFormat.sha256(other)));
    assertMessage("weights.bin: header says 57 params and 6 buffers, the JSON description says 55 and 8",
        loadError());
  }

  @Test
  void badScaler() throws IOException {
    ModelIO.save(model(), d);
    editJson(r -> ((ObjectNode) r.get("scaler")).put("kind", "robust"));
    assertTrue(loadError().startsWith(d + "/model.json: field scaler.kind: unknown scaling 'robust'"));
    ModelIO.save(model(), d);
    editJson(r -> ((ArrayNode) r.get("scaler").get("shift")).remove(0));
    assertMessage("model.json: field scaler.shift: has 4 entries, the spec has 5 inputs", loadError());
  }

  @Test
  void badChecksumFieldAndInfo() throws IOException {
    ModelIO.save(model(), d);
    editJson(r -> r.put("weights_sha256", "abc"));
    assertMessage("model.json: field weights_sha256: expected 64 lowercase hex digits, found \"abc\"",
        loadError());
    ModelIO.save(model(), d);
    editJson(r -> ((ObjectNode) r.get("info")).put("epochs", 3));
    assertMessage("model.json: field info.epochs: expected a string, found 3", loadError());
  }
}

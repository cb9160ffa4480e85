package dev.sparkmlp.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkmlp.data.Scaler;
import dev.sparkmlp.nn.NetworkSpec;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Saves and loads a {@link SavedModel} as a directory, on any file system {@link Fs} reaches:
 *
 * <pre>
 * model.json   {"format": "sparkmlp-model", "version": 1,
 *               "spec": {"inputs", "loss", "layers": [{"type": "dense", "units", "init"},
 *                        {"type": "activation", "fn", "alpha"}, {"type": "dropout", "p"},
 *                        {"type": "batchnorm", "momentum", "eps"}, {"type": "layernorm", "eps"}]},
 *               "task", "classes", "scaler": {"kind", "shift", "scale"} or null,
 *               "params": count, "buffers": count, "weights_sha256": hex, "info": {...}}
 * weights.bin  "SPMLPW01", int32 params, int32 buffers, then params and buffers (float32),
 *              all little-endian
 * </pre>
 *
 * The directory is written through {@link Fs#writeDirectoryAtomically}, so a reader sees the old
 * model or the new one, never a mix. Loading checks every field, the sizes and the checksum, and
 * reports the first problem as a {@link ModelFormatException} naming the file and field.
 */
public final class ModelIO {
  static final String FORMAT = "sparkmlp-model";
  static final int VERSION = 1;
  static final String MODEL_JSON = "model.json";
  static final String WEIGHTS_BIN = "weights.bin";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ModelIO() {}

  /** Writes {@code m} to the directory {@code dir}, replacing whatever was there. */
  public static void save(SavedModel m, String dir) {
    checkCounts(m);
    Fs.writeDirectoryAtomically(dir, tmp -> writeInto(m, tmp));
  }

  /** Reads and validates the model in {@code dir}. */
  public static SavedModel load(String dir) {
    String name = trim(dir);
    if (!Fs.exists(name)) throw new ModelFormatException(name + ": directory not found");
    if (!Fs.isDirectory(name)) throw new ModelFormatException(name + ": not a directory");
    return readFrom(name);
  }

  /** Writes model.json and weights.bin into an existing directory, without atomicity. */
  static void writeInto(SavedModel m, String dir) {
    byte[] weights = weightsBytes(m.params(), m.buffers());
    Fs.write(Fs.resolve(dir, WEIGHTS_BIN), out -> out.write(weights));
    ObjectNode root = NODES.objectNode();
    root.put("format", FORMAT);
    root.put("version", VERSION);
    root.set("spec", ModelFormat.specToJson(m.spec()));
    root.put("task", m.task());
    root.put("classes", m.classes());
    root.set("scaler", m.scaler() == null ? NODES.nullNode() : scalerToJson(m.scaler()));
    root.put("params", m.params().length);
    root.put("buffers", m.buffers().length);
    root.put("weights_sha256", ModelFormat.sha256(weights));
    ObjectNode info = root.putObject("info");
    m.info().forEach(info::put);
    byte[] json = Json.pretty(root).getBytes(StandardCharsets.UTF_8);
    Fs.write(Fs.resolve(dir, MODEL_JSON), out -> out.write(json));
  }

  static byte[] weightsBytes(float[] params, float[] buffers) {
    return ModelFormat.encode(ModelFormat.WEIGHTS_MAGIC, new int[] {params.length, buffers.length},
        params, buffers);
  }

  /** Reads model.json and weights.bin from {@code dir}, which exists. */
  static SavedModel readFrom(String dir) {
    JsonFields f = new JsonFields(dir + "/" + MODEL_JSON);
    ObjectNode root = f.parseFile(Fs.resolve(dir, MODEL_JSON));
    String format = f.string(root, "format", "format");
    if (!format.equals(FORMAT)) {
      throw f.error("format", "expected \"" + FORMAT + "\", found \"" + format + "\"");
    }
    int version = f.anyInt(root, "version", "version");
    if (version != VERSION) {
      throw f.error("version", "unsupported version " + version + " (this build reads version " + VERSION + ")");
    }
    NetworkSpec spec = ModelFormat.specFromJson(f, f.object(root, "spec", "spec"), "spec");
    String task = f.string(root, "task", "task");
    if (!task.equals(SavedModel.CLASSIFICATION) && !task.equals(SavedModel.REGRESSION)) {
      throw f.error("task", "expected \"classification\" or \"regression\", found \"" + task + "\"");
    }
    int classes = f.nonNegativeInt(root, "classes", "classes");
    JsonNode scalerJson = f.objectOrNull(root, "scaler", "scaler");
    Scaler scaler = scalerJson == null ? null : scalerFromJson(f, scalerJson, spec.inputs());
    int params = f.nonNegativeInt(root, "params", "params");
    int buffers = f.nonNegativeInt(root, "buffers", "buffers");
    long[] expected = ModelFormat.expectedCounts(spec);
    if (params != expected[0]) {
      throw f.error("params", params + " disagrees with the spec, which implies " + expected[0] + " parameters");
    }
    if (buffers != expected[1]) {
      throw f.error("buffers", buffers + " disagrees with the spec, which implies " + expected[1] + " buffers");
    }
    String sha = f.sha256(root, "weights_sha256", "weights_sha256");
    Map<String, String> info = new LinkedHashMap<>();
    JsonNode infoJson = f.object(root, "info", "info");
    for (Map.Entry<String, JsonNode> e : infoJson.properties()) {
      info.put(e.getKey(), f.string(infoJson, e.getKey(), "info." + e.getKey()));
    }
    float[][] w = readWeights(Fs.resolve(dir, WEIGHTS_BIN), dir + "/" + WEIGHTS_BIN, params, buffers, sha);
    return new SavedModel(spec, w[0], w[1], scaler, task, classes, info);
  }

  /** Reads a weights file holding exactly {@code params} and {@code buffers} floats. */
  static float[][] readWeights(String path, String display, int params, int buffers, String sha) {
    long size = ModelFormat.MAGIC_BYTES + 8L + 4L * params + 4L * buffers;
    byte[] bytes = ModelFormat.readChecked(path, display, ModelFormat.WEIGHTS_MAGIC, size, sha);
    int hp = ModelFormat.headerInt(bytes, 0);
    int hb = ModelFormat.headerInt(bytes, 1);
    if (hp != params || hb != buffers) {
      throw new ModelFormatException(display + ": header says " + hp + " params and " + hb
          + " buffers, the JSON description says " + params + " and " + buffers);
    }
    int off = ModelFormat.MAGIC_BYTES + 8;
    return new float[][] {
      ModelFormat.floats(bytes, off, params), ModelFormat.floats(bytes, off + 4 * params, buffers)};
  }

  /** Refuses to save arrays that do not fit the spec: such a file could never be loaded. */
  static void checkCounts(SavedModel m) {
    long[] expected = ModelFormat.expectedCounts(m.spec());
    if (m.params().length != expected[0] || m.buffers().length != expected[1]) {
      throw new IllegalArgumentException("model has " + m.params().length + " params and "
          + m.buffers().length + " buffers, its spec implies " + expected[0] + " and " + expected[1]);
    }
  }

  private static ObjectNode scalerToJson(Scaler s) {
    ObjectNode o = NODES.objectNode();
    o.put("kind", s.kind().id());
    o.set("shift", JsonFields.floatArrayNode(s.shift()));
    o.set("scale", JsonFields.floatArrayNode(s.scale()));
    return o;
  }

  private static Scaler scalerFromJson(JsonFields f, JsonNode o, int inputs) {
    String kindName = f.string(o, "kind", "scaler.kind");
    Scaler.Kind kind;
    try {
      kind = Scaler.Kind.parse(kindName);
    } catch (IllegalArgumentException e) {
      throw f.error("scaler.kind", e.getMessage());
    }
    float[] shift = f.floatArray(o, "shift", "scaler.shift");
    float[] scale = f.floatArray(o, "scale", "scaler.scale");
    if (shift.length != inputs) {
      throw f.error("scaler.shift", "has " + shift.length + " entries, the spec has " + inputs + " inputs");
    }
    try {
      return Scaler.of(kind, shift, scale);
    } catch (IllegalArgumentException e) {
      throw f.error("scaler", e.getMessage());
    }
  }

  static String trim(String dir) {
    return dir.length() > 1 && dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
  }
}

package dev.sparkmlp.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkmlp.optim.OptimizerState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saves and loads a {@link Checkpoint} as a directory. The directory is also a saved model
 * ({@link ModelIO#load} reads its current weights), plus:
 *
 * <pre>
 * checkpoint.json  {"format": "sparkmlp-checkpoint", "version": 2, "epoch", "step", "seed",
 *                   "optimizer": {"name", "t", "arrays": [{"name", "length"}], "sha256"},
 *                   "early_stopping": {"best_metric", "best_epoch", "bad_epochs",
 *                                      "best_weights_sha256": hex or null},
 *                   "partial_epoch": {"steps", "loss_sum", "penalty_sum", "count", "correct",
 *                                     "lr"},
 *                   "metrics_history": ["one JSON line", ...], "config": "..."}
 * optimizer.bin    "SPMLPO01", int32 array count, int32 length of each array, then the arrays
 *                  (float32), all little-endian
 * best.bin         the early-stopping best weights, in the format of weights.bin (only when kept)
 * </pre>
 *
 * Every float and double is stored with its exact bits, so a resumed run continues the trajectory
 * it would have followed without the interruption. Version 1 (written before step checkpoints)
 * has no "partial_epoch" and is read as an epoch-boundary checkpoint. Writing is atomic as for
 * models; loading checks fields, sizes and checksums, and reports the first problem as a {@link
 * ModelFormatException}.
 */
public final class CheckpointIO {
  static final String FORMAT = "sparkmlp-checkpoint";
  static final int VERSION = 2;
  static final String CHECKPOINT_JSON = "checkpoint.json";
  static final String OPTIMIZER_BIN = "optimizer.bin";
  static final String BEST_BIN = "best.bin";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private CheckpointIO() {}

  /** Writes {@code c} to the directory {@code dir}, replacing whatever was there. */
  public static void save(Checkpoint c, String dir) {
    ModelIO.checkCounts(c.model());
    Fs.writeDirectoryAtomically(dir, tmp -> writeInto(c, tmp));
  }

  /** Reads and validates the checkpoint in {@code dir}. */
  public static Checkpoint load(String dir) {
    String name = ModelIO.trim(dir);
    if (!Fs.exists(name)) throw new ModelFormatException(name + ": directory not found");
    if (!Fs.isDirectory(name)) throw new ModelFormatException(name + ": not a directory");
    SavedModel model = ModelIO.readFrom(name);
    JsonFields f = new JsonFields(name + "/" + CHECKPOINT_JSON);
    ObjectNode root = f.parseFile(Fs.resolve(name, CHECKPOINT_JSON));
    String format = f.string(root, "format", "format");
    if (!format.equals(FORMAT)) throw f.error("format", "expected \"" + FORMAT + "\", found \"" + format + "\"");
    int version = f.anyInt(root, "version", "version");
    if (version != 1 && version != VERSION) {
      throw f.error("version", "unsupported version " + version + " (this build reads versions 1 to " + VERSION + ")");
    }
    int epoch = f.nonNegativeInt(root, "epoch", "epoch");
    long step = f.nonNegativeLong(root, "step", "step");
    long seed = f.anyLong(root, "seed", "seed");
    OptimizerState optimizer = readOptimizer(f, f.object(root, "optimizer", "optimizer"), name);

    JsonNode es = f.object(root, "early_stopping", "early_stopping");
    double bestMetric = f.doubleValue(es, "best_metric", "early_stopping.best_metric");
    int bestEpoch = f.anyInt(es, "best_epoch", "early_stopping.best_epoch");
    int badEpochs = f.nonNegativeInt(es, "bad_epochs", "early_stopping.bad_epochs");
    String bestSha = f.stringOrNull(es, "best_weights_sha256", "early_stopping.best_weights_sha256");
    float[][] best = null;
    if (bestSha != null) {
      f.sha256(es, "best_weights_sha256", "early_stopping.best_weights_sha256");
      best = ModelIO.readWeights(Fs.resolve(name, BEST_BIN), name + "/" + BEST_BIN,
          model.params().length, model.buffers().length, bestSha);
    }

    JsonNode hist = f.array(root, "metrics_history", "metrics_history");
    List<String> history = new ArrayList<>(hist.size());
    for (int i = 0; i < hist.size(); i++) {
      JsonNode line = hist.get(i);
      if (!line.isTextual()) {
        throw f.error("metrics_history[" + i + "]", "expected a string, found " + JsonFields.describe(line));
      }
      history.add(line.textValue());
    }
    String config = f.string(root, "config", "config");
    Checkpoint.Partial partial = Checkpoint.Partial.NONE;
    if (version >= 2) {
      JsonNode p = f.object(root, "partial_epoch", "partial_epoch");
      try {
        partial = new Checkpoint.Partial(f.nonNegativeInt(p, "steps", "partial_epoch.steps"),
            f.doubleValue(p, "loss_sum", "partial_epoch.loss_sum"),
            f.doubleValue(p, "penalty_sum", "partial_epoch.penalty_sum"),
            f.nonNegativeLong(p, "count", "partial_epoch.count"),
            f.nonNegativeLong(p, "correct", "partial_epoch.correct"),
            f.doubleValue(p, "lr", "partial_epoch.lr"));
      } catch (IllegalArgumentException e) {
        throw f.error("partial_epoch", e.getMessage());
      }
    }
    try {
      return new Checkpoint(model, optimizer, epoch, step, seed, config, history, bestMetric, bestEpoch,
          badEpochs, best == null ? null : best[0], best == null ? null : best[1], partial);
    } catch (IllegalArgumentException e) {
      throw f.error(e.getMessage());
    }
  }

  private static void writeInto(Checkpoint c, String dir) throws java.io.IOException {
    ModelIO.writeInto(c.model(), dir);

    Map<String, float[]> arrays = c.optimizer().arrays();
    int[] header = new int[1 + arrays.size()];
    header[0] = arrays.size();
    ObjectNode opt = NODES.objectNode();
    opt.put("name", c.optimizer().optimizer());
    opt.put("t", c.optimizer().t());
    ArrayNode list = opt.putArray("arrays");
    int i = 1;
    for (Map.Entry<String, float[]> e : arrays.entrySet()) {
      header[i++] = e.getValue().length;
      list.addObject().put("name", e.getKey()).put("length", e.getValue().length);
    }
    byte[] optBytes = ModelFormat.encode(ModelFormat.OPTIMIZER_MAGIC, header,
        arrays.values().toArray(new float[0][]));
    opt.put("sha256", ModelFormat.sha256(optBytes));
    Fs.write(Fs.resolve(dir, OPTIMIZER_BIN), out -> out.write(optBytes));

    ObjectNode es = NODES.objectNode();
    es.set("best_metric", JsonFields.doubleNode(c.bestMetric()));
    es.put("best_epoch", c.bestEpoch());
    es.put("bad_epochs", c.badEpochs());
    if (c.bestParams() != null) {
      byte[] best = ModelIO.weightsBytes(c.bestParams(), c.bestBuffers());
      es.put("best_weights_sha256", ModelFormat.sha256(best));
      Fs.write(Fs.resolve(dir, BEST_BIN), out -> out.write(best));
    } else {
      es.putNull("best_weights_sha256");
    }

    ObjectNode root = NODES.objectNode();
    root.put("format", FORMAT);
    root.put("version", VERSION);
    root.put("epoch", c.epoch());
    root.put("step", c.step());
    root.put("seed", c.seed());
    root.set("optimizer", opt);
    root.set("early_stopping", es);
    ObjectNode partial = root.putObject("partial_epoch");
    partial.put("steps", c.partial().steps());
    partial.set("loss_sum", JsonFields.doubleNode(c.partial().lossSum()));
    partial.set("penalty_sum", JsonFields.doubleNode(c.partial().penaltySum()));
    partial.put("count", c.partial().count());
    partial.put("correct", c.partial().correct());
    partial.set("lr", JsonFields.doubleNode(c.partial().lr()));
    ArrayNode hist = root.putArray("metrics_history");
    c.metricsHistory().forEach(hist::add);
    root.put("config", c.config());
    byte[] json = Json.pretty(root).getBytes(StandardCharsets.UTF_8);
    Fs.write(Fs.resolve(dir, CHECKPOINT_JSON), out -> out.write(json));
  }

  private static OptimizerState readOptimizer(JsonFields f, JsonNode o, String dir) {
    String name = f.string(o, "name", "optimizer.name");
    long t = f.nonNegativeLong(o, "t", "optimizer.t");
    JsonNode list = f.array(o, "arrays", "optimizer.arrays");
    List<String> names = new ArrayList<>();
    int[] lengths = new int[list.size()];
    long size = ModelFormat.MAGIC_BYTES + 4L + 4L * lengths.length;
    for (int i = 0; i < lengths.length; i++) {
      String p = "optimizer.arrays[" + i + "]";
      JsonNode a = list.get(i);
      if (!a.isObject()) throw f.error(p, "expected an object, found " + JsonFields.describe(a));
      String n = f.string(a, "name", p + ".name");
      if (names.contains(n)) throw f.error(p + ".name", "duplicate array name \"" + n + "\"");
      names.add(n);
      lengths[i] = f.nonNegativeInt(a, "length", p + ".length");
      size += 4L * lengths[i];
    }
    String sha = f.sha256(o, "sha256", "optimizer.sha256");
    String display = dir + "/" + OPTIMIZER_BIN;
    byte[] bytes = ModelFormat.readChecked(Fs.resolve(dir, OPTIMIZER_BIN), display,
        ModelFormat.OPTIMIZER_MAGIC, size, sha);
    if (ModelFormat.headerInt(bytes, 0) != lengths.length) {
      throw new ModelFormatException(display + ": header says " + ModelFormat.headerInt(bytes, 0)
          + " arrays, " + CHECKPOINT_JSON + " lists " + lengths.length);
    }
    Map<String, float[]> arrays = new LinkedHashMap<>();
    int off = ModelFormat.MAGIC_BYTES + 4 + 4 * lengths.length;
    for (int i = 0; i < lengths.length; i++) {
      int h = ModelFormat.headerInt(bytes, 1 + i);
      if (h != lengths[i]) {
        throw new ModelFormatException(display + ": header says array " + i + " has " + h
            + " floats, " + CHECKPOINT_JSON + " says " + lengths[i]);
      }
      arrays.put(names.get(i), ModelFormat.floats(bytes, off, lengths[i]));
      off += 4 * lengths[i];
    }
    try {
      return new OptimizerState(name, t, arrays);
    } catch (IllegalArgumentException e) {
      throw f.error("optimizer", e.getMessage());
    }
  }
}

package dev.sparkmlp.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkmlp.nn.Activation;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.nn.LayerSpec;
import dev.sparkmlp.nn.Loss;
import dev.sparkmlp.nn.NetworkSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The pieces shared by model and checkpoint files: the JSON form of a {@link NetworkSpec}, the
 * parameter counts a spec implies, and the little-endian float32 binary files with their SHA-256.
 *
 * <p>A float array file is an 8-byte ASCII magic, then little-endian int32 header values, then the
 * arrays one after another as little-endian float32:
 * <pre>
 * weights.bin    "SPMLPW01" int32 paramCount, int32 bufferCount, params, buffers
 * optimizer.bin  "SPMLPO01" int32 arrayCount, int32 length[arrayCount], arrays
 * </pre>
 */
final class ModelFormat {
  static final String WEIGHTS_MAGIC = "SPMLPW01";
  static final String OPTIMIZER_MAGIC = "SPMLPO01";
  static final int MAGIC_BYTES = 8;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ModelFormat() {}

  static ObjectNode specToJson(NetworkSpec spec) {
    ObjectNode o = NODES.objectNode();
    o.put("inputs", spec.inputs());
    o.put("loss", spec.loss().key());
    ArrayNode layers = o.putArray("layers");
    for (LayerSpec l : spec.layers()) {
      ObjectNode j = layers.addObject();
      if (l instanceof LayerSpec.Dense d) {
        j.put("type", "dense");
        j.put("units", d.units());
        j.put("init", d.init().key());
      } else if (l instanceof LayerSpec.Act a) {
        j.put("type", "activation");
        j.put("fn", a.fn().key());
        j.set("alpha", JsonFields.floatNode(a.alpha()));
      } else if (l instanceof LayerSpec.Dropout d) {
        j.put("type", "dropout");
        j.set("p", JsonFields.floatNode(d.p()));
      } else if (l instanceof LayerSpec.BatchNorm b) {
        j.put("type", "batchnorm");
        j.set("momentum", JsonFields.floatNode(b.momentum()));
        j.set("eps", JsonFields.floatNode(b.eps()));
      } else if (l instanceof LayerSpec.LayerNorm n) {
        j.put("type", "layernorm");
        j.set("eps", JsonFields.floatNode(n.eps()));
      } else {
        throw new IllegalArgumentException("no file format for layer " + l);
      }
    }
    return o;
  }

  static NetworkSpec specFromJson(JsonFields f, JsonNode o, String path) {
    int inputs = f.positiveInt(o, "inputs", path + ".inputs");
    Loss loss = parse(f, path + ".loss", f.string(o, "loss", path + ".loss"), Loss::parse);
    JsonNode arr = f.array(o, "layers", path + ".layers");
    List<LayerSpec> layers = new ArrayList<>(arr.size());
    for (int i = 0; i < arr.size(); i++) {
      String p = path + ".layers[" + i + "]";
      JsonNode j = arr.get(i);
      if (!j.isObject()) throw f.error(p, "expected an object, found " + JsonFields.describe(j));
      String type = f.string(j, "type", p + ".type");
      try {
        layers.add(switch (type) {
          case "dense" -> new LayerSpec.Dense(f.positiveInt(j, "units", p + ".units"),
              parse(f, p + ".init", f.string(j, "init", p + ".init"), Init::parse));
          case "activation" -> new LayerSpec.Act(
              parse(f, p + ".fn", f.string(j, "fn", p + ".fn"), Activation::parse),
              f.floatValue(j, "alpha", p + ".alpha"));
          case "dropout" -> new LayerSpec.Dropout(f.floatValue(j, "p", p + ".p"));
          case "batchnorm" -> new LayerSpec.BatchNorm(f.floatValue(j, "momentum", p + ".momentum"),
              f.floatValue(j, "eps", p + ".eps"));
          case "layernorm" -> new LayerSpec.LayerNorm(f.floatValue(j, "eps", p + ".eps"));
          default -> throw f.error(p + ".type", "unknown layer type \"" + type
              + "\" (expected dense, activation, dropout, batchnorm or layernorm)");
        });
      } catch (IllegalArgumentException e) {
        throw f.error(p, e.getMessage());
      }
    }
    try {
      return new NetworkSpec(inputs, layers, loss);
    } catch (IllegalArgumentException e) {
      throw f.error(path, e.getMessage());
    }
  }

  private static <T> T parse(JsonFields f, String path, String s, java.util.function.Function<String, T> p) {
    try {
      return p.apply(s);
    } catch (IllegalArgumentException e) {
      throw f.error(path, e.getMessage());
    }
  }

  /**
   * The parameter and buffer counts that {@code spec} implies, computed here rather than by building
   * a network so that a file can be checked without the network code. Widths flow from
   * {@code spec.inputs()}: Dense has in*units + units params; BatchNorm and LayerNorm have gamma and
   * beta (2 * width params); BatchNorm also keeps running mean and variance (2 * width buffers).
   */
  static long[] expectedCounts(NetworkSpec spec) {
    long params = 0;
    long buffers = 0;
    long width = spec.inputs();
    for (LayerSpec l : spec.layers()) {
      if (l instanceof LayerSpec.Dense d) {
        params += width * d.units() + d.units();
        width = d.units();
      } else if (l instanceof LayerSpec.BatchNorm) {
        params += 2 * width;
        buffers += 2 * width;
      } else if (l instanceof LayerSpec.LayerNorm) {
        params += 2 * width;
      }
    }
    return new long[] {params, buffers};
  }

  /** magic, the header ints, then every array, all little-endian. */
  static byte[] encode(String magic, int[] header, float[]... arrays) {
    long floats = 0;
    for (float[] a : arrays) floats += a.length;
    long size = MAGIC_BYTES + 4L * header.length + 4L * floats;
    if (size > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("too many floats to save: " + floats);
    ByteBuffer bb = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
    bb.put(magic.getBytes(StandardCharsets.US_ASCII));
    for (int h : header) bb.putInt(h);
    var fb = bb.asFloatBuffer();
    for (float[] a : arrays) fb.put(a);
    return bb.array();
  }

  static boolean hasMagic(byte[] bytes, String magic) {
    if (bytes.length < MAGIC_BYTES) return false;
    return new String(bytes, 0, MAGIC_BYTES, StandardCharsets.US_ASCII).equals(magic);
  }

  static int headerInt(byte[] bytes, int index) {
    return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(MAGIC_BYTES + 4 * index);
  }

  /** {@code count} floats starting at byte {@code offset}. */
  static float[] floats(byte[] bytes, int offset, int count) {
    float[] out = new float[count];
    ByteBuffer.wrap(bytes, offset, 4 * count).slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /**
   * Reads a binary file whose expected size is known from its JSON description, and checks its
   * magic, size and checksum, in that order, so that each kind of damage gets its own message.
   */
  static byte[] readChecked(String path, String display, String magic, long expectedSize, String sha) {
    if (!Fs.exists(path)) throw new ModelFormatException(display + ": file not found");
    byte[] bytes;
    try {
      bytes = Fs.readAllBytes(path);
    } catch (java.io.UncheckedIOException e) {
      throw new ModelFormatException(display + ": cannot read: " + e.getMessage(), e);
    }
    if (bytes.length >= MAGIC_BYTES && !hasMagic(bytes, magic)) {
      throw new ModelFormatException(display + ": not a sparkmlp " + (magic.equals(WEIGHTS_MAGIC)
          ? "weights" : "optimizer") + " file (expected it to start with \"" + magic + "\")");
    }
    if (bytes.length < expectedSize) {
      throw new ModelFormatException(display + ": file too short: " + bytes.length
          + " bytes, expected " + expectedSize + " (truncated?)");
    }
    if (bytes.length > expectedSize) {
      throw new ModelFormatException(display + ": file too long: " + bytes.length
          + " bytes, expected " + expectedSize);
    }
    if (!sha256(bytes).equals(sha)) {
      throw new ModelFormatException(display + ": checksum mismatch (file corrupt or truncated)");
    }
    return bytes;
  }
}

package dev.sparkmlp.io;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.regex.Pattern;

/**
 * Reads typed fields from one parsed JSON file and reports problems as one-line
 * {@link ModelFormatException}s naming the file and the field path, for example
 * {@code model/model.json: field spec.layers[2].units: expected a positive integer, found -3}.
 *
 * <p>Floats and doubles that JSON numbers cannot hold exactly (NaN, infinities, negative zero) are
 * written as the strings "NaN", "Infinity", "-Infinity" and "-0.0", so that every value reads back
 * with the same bits.
 */
final class JsonFields {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** The file as it appears in messages, for example "model/model.json". */
  final String file;

  JsonFields(String file) {
    this.file = file;
  }

  ModelFormatException error(String field, String message) {
    return new ModelFormatException(file + ": field " + field + ": " + message);
  }

  ModelFormatException error(String message) {
    return new ModelFormatException(file + ": " + message);
  }

  /** Reads and parses {@code path}; the root must be an object. */
  ObjectNode parseFile(String path) {
    if (!Fs.exists(path)) throw error("file not found");
    byte[] bytes;
    try {
      bytes = Fs.readAllBytes(path);
    } catch (UncheckedIOException e) {
      throw new ModelFormatException(file + ": cannot read: " + e.getMessage(), e);
    }
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      JsonLocation loc = e.getLocation();
      String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
      throw new ModelFormatException(file + ": invalid JSON" + where + ": " + firstLine(e.getOriginalMessage()), e);
    } catch (IOException e) {
      throw new ModelFormatException(file + ": cannot read: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode()) throw error("empty file, expected a JSON object");
    if (!root.isObject()) throw error("expected a JSON object at the top level, found " + describe(root));
    return (ObjectNode) root;
  }

  JsonNode require(JsonNode obj, String key, String path) {
    JsonNode v = obj.get(key);
    if (v == null) throw error(path, "missing");
    return v;
  }

  JsonNode object(JsonNode obj, String key, String path) {
    JsonNode v = require(obj, key, path);
    if (!v.isObject()) throw error(path, "expected an object, found " + describe(v));
    return v;
  }

  /** The object, or null when the field holds JSON null. */
  JsonNode objectOrNull(JsonNode obj, String key, String path) {
    JsonNode v = require(obj, key, path);
    if (v.isNull()) return null;
    if (!v.isObject()) throw error(path, "expected an object or null, found " + describe(v));
    return v;
  }

  JsonNode array(JsonNode obj, String key, String path) {
    JsonNode v = require(obj, key, path);
    if (!v.isArray()) throw error(path, "expected an array, found " + describe(v));
    return v;
  }

  String string(JsonNode obj, String key, String path) {
    JsonNode v = require(obj, key, path);
    if (!v.isTextual()) throw error(path, "expected a string, found " + describe(v));
    return v.textValue();
  }

  /** The string, or null when the field holds JSON null. */
  String stringOrNull(JsonNode obj, String key, String path) {
    JsonNode v = require(obj, key, path);
    if (v.isNull()) return null;
    if (!v.isTextual()) throw error(path, "expected a string or null, found " + describe(v));
    return v.textValue();
  }

  int positiveInt(JsonNode obj, String key, String path) {
    JsonNode v = require(obj, key, path);
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() <= 0) {
      throw error(path, "expected a positive integer, found " + describe(v));
    }
    return v.intValue();
  }

  int nonNegativeInt(JsonNode obj, String key, String path) {
    JsonNode v = require(obj, key, path);
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
      throw error(path, "expected a non-negative integer, found " + describe(v));
    }
    return v.intValue();
  }

  int anyInt(JsonNode obj, String key, String path) {
    JsonNode v = require(obj, key, path);
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw error(path, "expected an integer, found " + describe(v));
    }
    return v.intValue();
  }

  long nonNegativeLong(JsonNode obj, String key, String path) {
    JsonNode v = require(obj, key, path);
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
      throw error(path, "expected a non-negative integer, found " + describe(v));
    }
    return v.longValue();
  }

  long anyLong(JsonNode obj, String key, String path) {
    JsonNode v = require(obj, key, path);
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw error(path, "expected a 64-bit integer, found " + describe(v));
    }
    return v.longValue();
  }

  float floatValue(JsonNode obj, String key, String path) {
    return floatOf(require(obj, key, path), path);
  }

  double doubleValue(JsonNode obj, String key, String path) {
    JsonNode v = require(obj, key, path);
    if (v.isNumber()) return v.decimalValue().doubleValue();
    if (v.isTextual() && isSpecial(v.textValue())) return Double.parseDouble(v.textValue());
    throw error(path, "expected a number, found " + describe(v));
  }

  float[] floatArray(JsonNode obj, String key, String path) {
    JsonNode a = array(obj, key, path);
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) out[i] = floatOf(a.get(i), path + "[" + i + "]");
    return out;
  }

  String sha256(JsonNode obj, String key, String path) {
    String s = string(obj, key, path);
    if (!SHA256.matcher(s).matches()) throw error(path, "expected 64 lowercase hex digits, found \"" + clip(s) + "\"");
    return s;
  }

  private float floatOf(JsonNode v, String path) {
    // BigDecimal.floatValue rounds the decimal once, so a float written by Float.toString reads
    // back with the same bits.
    if (v.isNumber()) {
      BigDecimal d = v.decimalValue();
      float f = d.floatValue();
      if (Float.isInfinite(f)) throw error(path, "number out of float range: " + clip(d.toString()));
      return f;
    }
    if (v.isTextual() && isSpecial(v.textValue())) return Float.parseFloat(v.textValue());
    throw error(path, "expected a number, found " + describe(v));
  }

  private static boolean isSpecial(String s) {
    return s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity") || s.equals("-0.0");
  }

  /** A float as a JSON value that reads back with the same bits. */
  static JsonNode floatNode(float f) {
    if (Float.isNaN(f)) return NODES.textNode("NaN");
    if (Float.isInfinite(f)) return NODES.textNode(f > 0 ? "Infinity" : "-Infinity");
    if (Float.floatToRawIntBits(f) == Integer.MIN_VALUE) return NODES.textNode("-0.0");
    return NODES.numberNode(f);
  }

  /** A double as a JSON value that reads back with the same bits. */
  static JsonNode doubleNode(double d) {
    if (Double.isNaN(d)) return NODES.textNode("NaN");
    if (Double.isInfinite(d)) return NODES.textNode(d > 0 ? "Infinity" : "-Infinity");
    if (Double.doubleToRawLongBits(d) == Long.MIN_VALUE) return NODES.textNode("-0.0");
    return NODES.numberNode(d);
  }

  static JsonNode floatArrayNode(float[] a) {
    var arr = NODES.arrayNode(a.length);
    for (float f : a) arr.add(floatNode(f));
    return arr;
  }

  static String describe(JsonNode v) {
    if (v.isTextual()) return "\"" + clip(v.textValue()) + "\"";
    if (v.isObject()) return "an object";
    if (v.isArray()) return "an array";
    return clip(v.toString());
  }

  private static String clip(String s) {
    String one = s.replace('\n', ' ').replace('\r', ' ');
    return one.length() <= 60 ? one : one.substring(0, 57) + "...";
  }

  private static String firstLine(String s) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}

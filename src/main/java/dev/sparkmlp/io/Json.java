package dev.sparkmlp.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON output over one shared Jackson {@link ObjectMapper}. Maps keep the order they are given in
 * (use a {@link LinkedHashMap}); doubles are written with the shortest digits that read back as
 * the same double; NaN and infinities, which JSON cannot hold, are written as null.
 */
public final class Json {
  /**
   * The shared mapper. Reading turns every non-integer number into a {@code BigDecimal}, so that
   * a float read back is rounded once from the decimal text (via a double it would be rounded
   * twice, which can change the last bit).
   */
  static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private static final ObjectWriter PRETTY = MAPPER.writer(new DefaultPrettyPrinter(
      Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
      .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"))
      .withObjectIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n")));

  private Json() {}

  /** Compact one-line JSON, for example one line of {@code metrics.jsonl}. */
  public static String line(Map<String, ?> values) {
    try {
      return MAPPER.writeValueAsString(finite(values));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Indented JSON with a trailing newline, for files people read. */
  public static String pretty(Map<String, ?> values) {
    return pretty(finite(values));
  }

  static String pretty(Object tree) {
    try {
      return PRETTY.writeValueAsString(tree) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Writes {@code content} as UTF-8 to {@code path} through {@link Fs#writeAtomically}. */
  public static void writeFileAtomically(String path, String content) {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    Fs.writeAtomically(path, out -> out.write(bytes));
  }

  /** Parses one JSON document, for example a line of {@code metrics.jsonl}. */
  public static JsonNode parse(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("invalid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** A copy of {@code v} with non-finite doubles and floats replaced by null, at any depth. */
  private static Object finite(Object v) {
    if (v instanceof Double d) return Double.isFinite(d) ? d : null;
    if (v instanceof Float f) return Float.isFinite(f) ? f : null;
    if (v instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) out.put(e.getKey(), finite(e.getValue()));
      return out;
    }
    if (v instanceof Collection<?> c) {
      List<Object> out = new ArrayList<>(c.size());
      for (Object o : c) out.add(finite(o));
      return out;
    }
    if (v instanceof double[] a) {
      List<Object> out = new ArrayList<>(a.length);
      for (double d : a) out.add(Double.isFinite(d) ? d : null);
      return out;
    }
    if (v instanceof float[] a) {
      List<Object> out = new ArrayList<>(a.length);
      for (float f : a) out.add(Float.isFinite(f) ? f : null);
      return out;
    }
    return v;
  }
}

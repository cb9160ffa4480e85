package dev.sparkmlp.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonTest {
  @TempDir Path tmp;

  @Test
  void lineKeepsOrderAndFullPrecisionAndNullsNaN() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("epoch", 3);
    m.put("loss", 0.1 + 0.2);
    m.put("acc", Double.NaN);
    m.put("lr", 1e-3f);
    m.put("inf", Double.POSITIVE_INFINITY);
    m.put("name", "a \"quoted\"\nname");
    m.put("nested", Map.of("x", Double.NaN));
    m.put("list", List.of(1.5, Double.NEGATIVE_INFINITY));
    String line = Json.line(m);
    assertEquals("{\"epoch\":3,\"loss\":0.30000000000000004,\"acc\":null,\"lr\":0.001,\"inf\":null,"
        + "\"name\":\"a \\\"quoted\\\"\\nname\",\"nested\":{\"x\":null},\"list\":[1.5,null]}", line);
    assertEquals(0.1 + 0.2, Json.parse(line).get("loss").doubleValue());
  }

  @Test
  void prettyIsIndentedAndParsesBack() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("b", 1);
    m.put("a", List.of(2, 3));
    String s = Json.pretty(m);
    assertTrue(s.startsWith("{\n  \"b\": 1,\n  \"a\": ["), s);
    assertTrue(s.endsWith("}\n"), s);
    assertEquals(2, Json.parse(s).get("a").get(0).intValue());
  }

  @Test
  void writeFileAtomically() throws IOException {
    Path f = tmp.resolve("sub/summary.json");
    Json.writeFileAtomically(f.toString(), Json.pretty(Map.of("k", "v")));
    assertEquals("{\n  \"k\": \"v\"\n}\n", Files.readString(f));
    assertEquals(List.of("summary.json"), Fs.list(tmp.resolve("sub").toString()));
  }
}

package dev.sparkmlp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibSvmTest {
  @TempDir Path dir;

  private Block read(String text, int features, Task task, int classes) throws IOException {
    return read(text.getBytes(StandardCharsets.UTF_8), features, task, classes);
  }

  private Block read(byte[] bytes, int features, Task task, int classes) throws IOException {
    Path p = TestFiles.write(dir, "a9a.txt", bytes);
    try (InputStream in = TestFiles.open(p)) {
      return LibSvm.read(in, "a9a.txt", features, task, classes);
    }
  }

  private String fails(String text, int features, Task task, int classes) {
    return assertThrows(DataException.class, () -> read(text, features, task, classes))
        .getMessage();
  }

  @Test
  void densifiesAndInfersFeatures() throws IOException {
    Block b = read("2 1:0.5 3:-2\n0 2:1e1\n\n1\t4:7  # comment\n", 0, Task.CLASSIFICATION, 0);
    assertEquals(3, b.rows);
    assertEquals(4, b.features);
    assertEquals(3, b.targetWidth);
    assertArrayEquals(new float[] {0.5f, 0, -2, 0, 0, 10, 0, 0, 0, 0, 0, 7}, b.x);
    assertArrayEquals(new int[] {2, 0, 1}, b.labels);
  }

  @Test
  void declaredFeaturesAndClasses() throws IOException {
    Block b = read("1 2:1\r\n0 1:3\r\n", 5, Task.CLASSIFICATION, 10);
    assertEquals(5, b.features);
    assertEquals(10, b.targetWidth);
    assertArrayEquals(new float[] {0, 1, 0, 0, 0, 3, 0, 0, 0, 0}, b.x);
  }

  @Test
  void plusMinusOneLabelsMapToZeroOne() throws IOException {
    Block b = read("+1 1:1\n-1 1:2\n1 1:3\n", 0, Task.CLASSIFICATION, 0);
    assertArrayEquals(new int[] {1, 0, 1}, b.labels);
    assertEquals(2, b.targetWidth);
    Block kept = read("0 1:1\n1 1:2\n", 0, Task.CLASSIFICATION, 0);
    assertArrayEquals(new int[] {0, 1}, kept.labels);
  }

  @Test
  void regression() throws IOException {
    Block b = read("0.25 1:1\n-3.5 2:2\n", 0, Task.REGRESSION, 0);
    assertNull(b.labels);
    assertArrayEquals(new float[] {0.25f, -3.5f}, b.y);
    assertArrayEquals(new float[] {1, 0, 0, 2}, b.x);
  }

  @Test
  void gzip() throws IOException {
    Block b = read(TestFiles.gzip("1 2:5\n".getBytes(StandardCharsets.UTF_8)), 0,
        Task.CLASSIFICATION, 0);
    assertArrayEquals(new float[] {0, 5}, b.x);
  }

  @Test
  void badToken() {
    assertEquals("a9a.txt: row 2, token 3: 'abc' is not index:value",
        fails("1 1:1\n0 1:1 abc\n", 0, Task.CLASSIFICATION, 0));
    assertEquals("a9a.txt: row 1, token 2: index 'x' is not an integer in [1, 2^31)",
        fails("1 x:1\n", 0, Task.CLASSIFICATION, 0));
    assertEquals("a9a.txt: row 1, token 2: value 'y' is not a number",
        fails("1 1:y\n", 0, Task.CLASSIFICATION, 0));
    assertEquals("a9a.txt: row 1, label: 'one' is not a number",
        fails("one 1:1\n", 0, Task.CLASSIFICATION, 0));
  }

  @Test
  void indexOutOfOrderOrRange() {
    assertEquals("a9a.txt: row 1, token 3: index 2 follows index 5; indices must ascend",
        fails("1 5:1 2:1\n", 0, Task.CLASSIFICATION, 0));
    assertEquals("a9a.txt: row 1, token 3: index 5 follows index 5; indices must ascend",
        fails("1 5:1 5:1\n", 0, Task.CLASSIFICATION, 0));
    assertEquals("a9a.txt: row 2, token 2: index 0: indices start at 1",
        fails("1 1:1\n1 0:1\n", 0, Task.CLASSIFICATION, 0));
    assertEquals("a9a.txt: row 1, token 3: index 9 exceeds the 8 features",
        fails("1 1:1 9:1\n", 8, Task.CLASSIFICATION, 0));
  }

  @Test
  void nanAndInfinity() {
    String v = fails("1 1:NaN\n", 0, Task.CLASSIFICATION, 0);
    assertTrue(v.startsWith("a9a.txt: row 1, token 2: value 'NaN' is not finite"), v);
    String l = fails("0.5 1:1\ninf 1:1\n", 0, Task.REGRESSION, 0);
    assertTrue(l.startsWith("a9a.txt: row 2, label: 'inf' is not finite"), l);
  }

  @Test
  void labelErrors() {
    assertEquals("a9a.txt: row 1, label: label '1.5' is not an integer",
        fails("1.5 1:1\n", 0, Task.CLASSIFICATION, 0));
    assertEquals("a9a.txt: row 3, label: label 3 is outside [0, 3)",
        fails("0 1:1\n1 1:1\n3 1:1\n", 0, Task.CLASSIFICATION, 3));
    String huge = fails("0 1:1\n1e10 1:1\n", 0, Task.CLASSIFICATION, 0);
    assertTrue(huge.startsWith("a9a.txt: row 2, label: label 10000000000 would mean more than"),
        huge);
    String neg = fails("0 1:1\n-2 1:1\n", 0, Task.CLASSIFICATION, 0);
    assertTrue(neg.startsWith("a9a.txt: row 2, label: label -2 is negative"), neg);
  }

  @Test
  void empty() {
    assertEquals("a9a.txt: no data rows", fails("", 0, Task.CLASSIFICATION, 0));
    assertEquals("a9a.txt: no data rows", fails("\n# only a comment\n", 0, Task.REGRESSION, 0));
    String noFeatures = fails("1\n0\n", 0, Task.CLASSIFICATION, 0);
    assertTrue(noFeatures.startsWith("a9a.txt: no features"), noFeatures);
  }
}

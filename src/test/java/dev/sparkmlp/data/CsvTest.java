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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTest {
  @TempDir Path dir;

  private Block read(String text, CsvOptions opt) throws IOException {
    return read(text.getBytes(StandardCharsets.UTF_8), opt);
  }

  private Block read(byte[] bytes, CsvOptions opt) throws IOException {
    Path p = TestFiles.write(dir, "train.csv", bytes);
    try (InputStream in = TestFiles.open(p)) {
      return Csv.read(in, "data/train.csv", opt);
    }
  }

  private String fails(String text, CsvOptions opt) {
    return assertThrows(DataException.class, () -> read(text, opt)).getMessage();
  }

  @Test
  void headerAutoDetectedLabelLastClassesInferred() throws IOException {
    Block b = read("a,b,label\n1,2.5,0\n-3,4e1,2\n", CsvOptions.classification());
    assertEquals(2, b.rows);
    assertEquals(2, b.features);
    assertEquals(3, b.targetWidth);
    assertArrayEquals(new float[] {1, 2.5f, -3, 40}, b.x);
    assertArrayEquals(new int[] {0, 2}, b.labels);
    assertArrayEquals(new float[] {1, 0, 0, 0, 0, 1}, b.y);
  }

  @Test
  void noHeaderAutoDetected() throws IOException {
    Block b = read("1,2,1\n3,4,0\n", CsvOptions.classification());
    assertEquals(2, b.rows);
    assertArrayEquals(new float[] {1, 2, 3, 4}, b.x);
    assertArrayEquals(new int[] {1, 0}, b.labels);
    assertEquals(2, b.targetWidth);
  }

  @Test
  void explicitHeaderFlagOverridesDetection() throws IOException {
    Block b = read("1,2,1\n3,4,0\n", CsvOptions.classification().withHeader(true));
    assertEquals(1, b.rows);
    assertArrayEquals(new float[] {3, 4}, b.x);
    String msg = fails("a,b,c\n1,2,0\n", CsvOptions.classification().withHeader(false));
    assertEquals("data/train.csv: row 1, column 1: 'a' is not a number", msg);
  }

  @Test
  void labelColumnByNameAndByIndex() throws IOException {
    String text = "x1,y,x2\n1,3,2\n4,1,5\n";
    Block byName = read(text, CsvOptions.classification().withLabelColumn("y"));
    assertArrayEquals(new float[] {1, 2, 4, 5}, byName.x);
    assertArrayEquals(new int[] {3, 1}, byName.labels);
    assertEquals(4, byName.targetWidth);
    Block byIndex = read(text, CsvOptions.classification().withLabelColumn("1").withClasses(10));
    assertArrayEquals(byName.x, byIndex.x);
    assertArrayEquals(byName.labels, byIndex.labels);
    assertEquals(10, byIndex.targetWidth);
    Block first = read("7,1,2\n", CsvOptions.classification().withLabelColumn("0"));
    assertArrayEquals(new int[] {7}, first.labels);
    assertArrayEquals(new float[] {1, 2}, first.x);
  }

  @Test
  void quotesCrlfBlankLinesSpacesAndBom() throws IOException {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    String text = "\"f,1\", \"f2\" ,\"lab\"\"el\"\r\n\r\n  1 , \"2\" ,1\r\n\r\n\t3,4,0\r\n   \n";
    Block b = read(TestFiles.concat(bom, text.getBytes(StandardCharsets.UTF_8)),
        CsvOptions.classification().withLabelColumn("lab\"el"));
    assertEquals(2, b.rows);
    assertArrayEquals(new float[] {1, 2, 3, 4}, b.x);
    assertArrayEquals(new int[] {1, 0}, b.labels);
  }

  @Test
  void lastLineWithoutNewline() throws IOException {
    Block b = read("1,0\n2,1", CsvOptions.classification());
    assertArrayEquals(new float[] {1, 2}, b.x);
  }

  @Test
  void otherDelimitersAndGzip() throws IOException {
    Block semi = read("1;2;0\n3;4;1\n", CsvOptions.classification().withDelimiter(';'));
    assertArrayEquals(new float[] {1, 2, 3, 4}, semi.x);
    Block tab = read("a\tb\ty\n1\t2\t0\n", CsvOptions.classification().withDelimiter('\t'));
    assertArrayEquals(new float[] {1, 2}, tab.x);
    Block gz = read(TestFiles.gzip("1,2,0\n3,4,1\n".getBytes(StandardCharsets.UTF_8)),
        CsvOptions.classification());
    assertArrayEquals(new float[] {1, 2, 3, 4}, gz.x);
    assertArrayEquals(new int[] {0, 1}, gz.labels);
  }

  @Test
  void integralFloatLabelsAreAccepted() throws IOException {
    Block b = read("1,2.0\n2,0.0\n", CsvOptions.classification());
    assertArrayEquals(new int[] {2, 0}, b.labels);
  }

  @Test
  void regressionSingleAndMultipleTargets() throws IOException {
    Block one = read("a,b,t\n1,2,0.5\n3,4,-1.25\n", CsvOptions.regression());
    assertNull(one.labels);
    assertEquals(1, one.targetWidth);
    assertArrayEquals(new float[] {0.5f, -1.25f}, one.y);
    Block two = read("t2,a,t1,b\n9,1,8,2\n7,3,6,4\n",
        CsvOptions.regression().withTargetColumns(List.of("t1", "t2")));
    assertEquals(2, two.features);
    assertEquals(2, two.targetWidth);
    assertArrayEquals(new float[] {1, 2, 3, 4}, two.x);
    assertArrayEquals(new float[] {8, 9, 6, 7}, two.y, "targets in the order listed");
  }

  @Test
  void oneHotTargetColumns() throws IOException {
    CsvOptions opt = CsvOptions.classification().withOneHotTargets(true).withClasses(3);
    Block b = read("1,2,0,0,1\n3,4,1,0,0\n", opt);
    assertEquals(2, b.features);
    assertArrayEquals(new int[] {2, 0}, b.labels);
    assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0}, b.y);
    Block named = read("c0,x,c1\n0,5,1\n1,6,0\n", CsvOptions.classification()
        .withOneHotTargets(true).withTargetColumns(List.of("c0", "c1")));
    assertArrayEquals(new float[] {5, 6}, named.x);
    assertArrayEquals(new int[] {1, 0}, named.labels);
  }

  @Test
  void inconsistentOptionsAreRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> read("1,0\n", CsvOptions.classification().withTargetColumns(List.of("0"))));
    assertThrows(IllegalArgumentException.class,
        () -> read("1,0\n", CsvOptions.classification().withOneHotTargets(true)));
    assertThrows(IllegalArgumentException.class, () -> CsvOptions.regression().withDelimiter('"'));
  }

  // ---- errors: each names the file and the row (line number) and column ----

  @Test
  void notANumberNamesRowAndColumn() {
    assertEquals("data/train.csv: row 3, column 2 'b': 'abc' is not a number",
        fails("a,b,y\n1,2,0\n1,abc,1\n", CsvOptions.classification()));
    assertEquals("data/train.csv: row 4, column 3: 'x' is not a number",
        fails("1,2,0\n\n1,2,0\n1,2,x\n", CsvOptions.classification()));
  }

  @Test
  void emptyField() {
    assertEquals("data/train.csv: row 2, column 2: empty field, expected a number",
        fails("1,2,0\n1,,0\n", CsvOptions.classification()));
  }

  @Test
  void wrongNumberOfColumns() {
    assertEquals("data/train.csv: row 3: 2 fields, expected 3 (as in the header)",
        fails("a,b,y\n1,2,0\n1,2\n", CsvOptions.classification()));
    assertEquals("data/train.csv: row 2: 4 fields, expected 3 (as in the first row)",
        fails("1,2,0\n1,2,0,5\n", CsvOptions.classification()));
  }

  @Test
  void nanAndInfinityAreRejected() {
    String nan = fails("a,b,y\n1,NaN,0\n", CsvOptions.classification());
    assertTrue(nan.startsWith("data/train.csv: row 2, column 2 'b': 'NaN' is not finite"), nan);
    String inf = fails("1,2,0\n-Infinity,2,0\n", CsvOptions.classification());
    assertTrue(inf.startsWith("data/train.csv: row 2, column 1: '-Infinity' is not finite"), inf);
    String big = fails("1,2,0.5\n1,2,1e39\n", CsvOptions.regression());
    assertTrue(big.startsWith("data/train.csv: row 2, column 3: '1e39' is outside the float"), big);
    String nanLabel = fails("1,2,nan\n", CsvOptions.classification());
    assertTrue(nanLabel.startsWith("data/train.csv: row 1, column 3: 'nan' is not finite"),
        nanLabel);
  }

  @Test
  void labelNotAnInteger() {
    assertEquals("data/train.csv: row 2, column 3 'y': label '1.5' is not an integer",
        fails("a,b,y\n1,2,1.5\n", CsvOptions.classification()));
  }

  @Test
  void labelOutOfRange() {
    assertEquals("data/train.csv: row 2, column 3: label 10 is outside [0, 10)",
        fails("1,2,0\n1,2,10\n", CsvOptions.classification().withClasses(10)));
    assertEquals("data/train.csv: row 1, column 3: label -1 is negative",
        fails("1,2,-1\n", CsvOptions.classification()));
  }

  @Test
  void hugeLabelWithInferredClasses() {
    String msg = fails("1,2,0\n1,2,2000000000\n", CsvOptions.classification());
    assertTrue(msg.startsWith("data/train.csv: row 2, column 3: label 2000000000 would mean more "
        + "than 65536 classes"), msg);
  }

  @Test
  void emptyDataset() {
    assertEquals("data/train.csv: no data rows", fails("", CsvOptions.classification()));
    assertEquals("data/train.csv: no data rows", fails("\n  \r\n\n", CsvOptions.classification()));
    assertEquals("data/train.csv: no data rows (only a header)",
        fails("a,b,y\n\n", CsvOptions.classification().withHeader(true)));
    String guessed = fails("1,x,0\n", CsvOptions.classification());
    assertTrue(guessed.startsWith("data/train.csv: no data rows (only a header; the first line "
        + "was taken for a header"), guessed);
  }

  @Test
  void unknownLabelColumnListsTheHeader() {
    assertEquals("data/train.csv: header: no column named 'label'; the columns are: a, b, y",
        fails("a,b,y\n1,2,0\n", CsvOptions.classification().withLabelColumn("label")));
    String noHeader = fails("1,2,0\n", CsvOptions.classification().withLabelColumn("label"));
    assertTrue(noHeader.contains("header: column 'label' is given by name, but the file has no "
        + "header"), noHeader);
    assertEquals("data/train.csv: header: column index 3 is outside the 3 columns (0-based)",
        fails("1,2,0\n", CsvOptions.classification().withLabelColumn("3")));
  }

  @Test
  void badOneHotRow() {
    String msg = fails("a,b,c0,c1\n1,2,0,1\n1,2,1,1\n",
        CsvOptions.classification().withOneHotTargets(true).withClasses(2));
    assertTrue(msg.startsWith("data/train.csv: row 3: one-hot target columns hold 3 'c0'=1.0, "
        + "4 'c1'=1.0"), msg);
  }

  @Test
  void unterminatedQuote() {
    assertEquals("data/train.csv: row 2, column 2: unterminated quote",
        fails("1,2,0\n1,\"2,0\n", CsvOptions.classification()));
  }

  /** A wide file in the MNIST shape, to exercise buffer growth across rows and long lines. */
  @Test
  void wideFile() throws IOException {
    StringBuilder sb = new StringBuilder();
    int rows = 300;
    int cols = 784;
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < cols; j++) sb.append((r * 31 + j * 7) % 256).append(',');
      sb.append(r % 10).append('\n');
    }
    Block b = read(sb.toString(), CsvOptions.classification());
    assertEquals(rows, b.rows);
    assertEquals(cols, b.features);
    assertEquals(10, b.targetWidth);
    assertEquals((299 * 31 + 783 * 7) % 256, b.x[299 * 784 + 783]);
    assertEquals(9, b.labels[299]);
  }
}

package dev.sparkmlp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

class ScalerTest {
  /** Three rows: feature 0 = 1, 2, 3; feature 1 constant 5; feature 2 = 0, 0, 255. */
  private static Block data() {
    float[] x = {1, 5, 0, 2, 5, 0, 3, 5, 255};
    return Block.regression(3, 3, x, 1, new float[] {10, 20, 30});
  }

  @Test
  void standard() {
    Scaler s = Scaler.fit(Scaler.Kind.STANDARD, data());
    assertArrayEquals(new float[] {2, 5, 85}, s.shift(), 1e-5f);
    double std0 = Math.sqrt(2.0 / 3);
    double std2 = Math.sqrt((85.0 * 85 * 2 + 170.0 * 170) / 3);
    assertArrayEquals(new float[] {(float) (1 / std0), 1f, (float) (1 / std2)}, s.scale(), 1e-6f);
    Block b = s.apply(data());
    assertEquals((float) (-1 / std0), b.x[0], 1e-5f);
    assertEquals(0f, b.x[1], "a constant column maps to 0");
    assertEquals((float) (170 / std2), b.x[8], 1e-5f);
  }

  @Test
  void minmax() {
    Scaler s = Scaler.fit(Scaler.Kind.MINMAX, data());
    Block b = s.apply(data());
    assertArrayEquals(new float[] {0, 0, 0, 0.5f, 0, 0, 1, 0, 1}, b.x, 1e-6f);
  }

  @Test
  void divide255AndNone() {
    Block b = Scaler.fit(Scaler.Kind.DIVIDE255, data()).apply(data());
    assertEquals(1f, b.x[8], 1e-6f);
    assertEquals(5f / 255f, b.x[1], 1e-7f);
    Block same = Scaler.fit(Scaler.Kind.NONE, data()).apply(data());
    assertArrayEquals(data().x, same.x);
  }

  @Test
  void applySharesTargetsAndCopiesFeatures() {
    Block in = data();
    Block out = Scaler.fit(Scaler.Kind.MINMAX, in).apply(in);
    assertSame(in.y, out.y);
    assertNotSame(in.x, out.x);
    assertEquals(3f, in.x[6], "input not modified");
  }

  @Test
  void applyInPlaceAtOffset() {
    Scaler s = Scaler.of(Scaler.Kind.STANDARD, new float[] {1, 2}, new float[] {2, 0.5f});
    float[] buf = {9, 3, 4, 5, 6, 9};
    s.applyInPlace(buf, 1, 2);
    assertArrayEquals(new float[] {9, 4, 1, 8, 2, 9}, buf);
  }

  @Test
  void restoreAndSerialize() throws IOException, ClassNotFoundException {
    Scaler s = Scaler.fit(Scaler.Kind.STANDARD, data());
    Scaler restored = Scaler.of(s.kind(), s.shift(), s.scale());
    assertEquals(s, restored);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(s);
    }
    ByteArrayInputStream saved = new ByteArrayInputStream(bytes.toByteArray());
    try (ObjectInputStream in = new ObjectInputStream(saved)) {
      Scaler back = (Scaler) in.readObject();
      assertEquals(s, back);
      assertArrayEquals(s.apply(data()).x, back.apply(data()).x);
    }
    float[] shift = s.shift();
    shift[0] = 100;
    assertEquals(2f, s.shift()[0], 1e-6f, "getters return copies");
  }

  @Test
  void parseKinds() {
    assertEquals(Scaler.Kind.NONE, Scaler.Kind.parse("none"));
    assertEquals(Scaler.Kind.STANDARD, Scaler.Kind.parse(" Standard "));
    assertEquals(Scaler.Kind.MINMAX, Scaler.Kind.parse("minmax"));
    assertEquals(Scaler.Kind.DIVIDE255, Scaler.Kind.parse("DIVIDE255"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Scaler.Kind.parse("zscore"));
    assertTrue(e.getMessage().contains("none, divide255, standard or minmax"), e.getMessage());
  }

  @Test
  void errors() {
    Scaler s = Scaler.fit(Scaler.Kind.STANDARD, data());
    Block wide = Block.regression(1, 4, new float[4], 1, new float[1]);
    assertThrows(IllegalArgumentException.class, () -> s.apply(wide));
    assertThrows(IllegalArgumentException.class,
        () -> Scaler.of(Scaler.Kind.STANDARD, new float[2], new float[3]));
    assertThrows(IllegalArgumentException.class,
        () -> Scaler.of(Scaler.Kind.STANDARD, new float[] {0}, new float[] {Float.NaN}));
    Block nan = Block.regression(2, 2, new float[] {1, 2, 3, Float.NaN}, 1, new float[2]);
    DataException e =
        assertThrows(DataException.class, () -> Scaler.fit(Scaler.Kind.STANDARD, nan));
    assertEquals("training data: record 1, feature 1: value NaN is not finite", e.getMessage());
  }
}

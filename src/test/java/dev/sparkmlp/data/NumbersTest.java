package dev.sparkmlp.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NumbersTest {
  private static float parse(String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    return Numbers.parse(b, 0, b.length);
  }

  @Test
  void knownValues() {
    assertEquals(0f, parse("0"));
    assertEquals(255f, parse("255"));
    assertEquals(-1.5f, parse("-1.5"));
    assertEquals(1.5f, parse("+1.5"));
    assertEquals(0.5f, parse(".5"));
    assertEquals(3f, parse("3."));
    assertEquals(1.25e-3f, parse("1.25E-3"));
    assertEquals(1e30f, parse("1e30"));
    assertEquals(0.1f, parse("0.1"));
    assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(parse("-0.0")));
  }

  @Test
  void rejectsWhatIsNotADecimalNumber() {
    for (String s : new String[] {"", "-", ".", "e5", "1e", "1e+", "abc", "1.2.3", "1,5", "0x10",
        "1f", "1d", "NaN", "Infinity", "inf", " 1", "1 ", "--1", "1e5x"}) {
      assertTrue(Float.isNaN(parse(s)), "'" + s + "' gave " + parse(s));
    }
  }

  @Test
  void overflowIsInfinite() {
    assertEquals(Float.POSITIVE_INFINITY, parse("1e39"));
    assertEquals(Float.NEGATIVE_INFINITY, parse("-4e38"));
  }

  /** The fast path must round exactly like Float.parseFloat, including near-midpoint cases. */
  @Test
  void agreesWithParseFloatOnRandomText() {
    SplittableRandom rnd = new SplittableRandom(7);
    for (int i = 0; i < 12_000; i++) {
      String s = switch (i % 6) {
        case 0 -> Integer.toString(rnd.nextInt(-100_000_000, 100_000_000));
        case 1 -> BigDecimal.valueOf(rnd.nextLong(-1_000_000_000_000L, 1_000_000_000_000L),
            rnd.nextInt(0, 16)).toPlainString();
        case 2 -> BigDecimal.valueOf(rnd.nextLong(1, (long) Math.pow(10, rnd.nextInt(1, 17))),
            rnd.nextInt(-30, 46)).toString();
        // From 2^24 to 2^25 every odd integer lies exactly between two floats.
        case 3 -> Long.toString(rnd.nextLong(1L << 24, 1L << 27));
        case 4 -> {
          float f = Float.intBitsToFloat(rnd.nextInt(0x0080_0000, 0x7f00_0000));
          double mid = ((double) f + Math.nextUp(f)) / 2;
          yield new BigDecimal(mid).round(new MathContext(rnd.nextInt(6, 18))).toString();
        }
        default -> Double.toString(rnd.nextDouble(-1e6, 1e6));
      };
      assertEquals(Float.floatToIntBits(Float.parseFloat(s)), Float.floatToIntBits(parse(s)), s);
    }
  }

  @Test
  void describeExplains() {
    assertEquals("'abc' is not a number", describe("abc"));
    assertTrue(describe("NaN").contains("not finite"));
    assertTrue(describe("-Inf").contains("not finite"));
    assertTrue(describe("1e99").contains("outside the float range"));
    assertEquals("empty field, expected a number", describe(""));
  }

  private static String describe(String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    return Numbers.describe(b, 0, b.length);
  }
}

package dev.sparkmlp.math;

/**
 * Counter-based random numbers: every draw is a pure function of (key, index), so any worker can
 * reproduce any draw without shared state. A retried Spark task therefore sees the same numbers.
 *
 * <pre>
 * key   = mix(seed, a, b, ...)     // one SplitMix64 round per component
 * u(i)  = top 24 bits of mix(key, i) / 2^24, in [0, 1)
 * </pre>
 *
 * The finalizer is Steele, Lea and Flood's SplitMix64 ("Fast splittable pseudorandom number
 * generators", OOPSLA 2014), which passes BigCrush when used as a counter hash.
 */
public final class Rng {
  /** Stream tags, so that different uses of one seed never share draws. */
  public static final long INIT = 1, SPLIT = 2, SHUFFLE = 3, DROPOUT = 4, PARTITION = 5;

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private Rng() {}

  /** SplitMix64 finalizer of {@code z}. */
  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  public static long key(long seed, long a) {
    return mix(mix(seed + GOLDEN) + a * GOLDEN);
  }

  public static long key(long seed, long a, long b) {
    return key(key(seed, a), b);
  }

  public static long key(long seed, long a, long b, long c) {
    return key(key(key(seed, a), b), c);
  }

  public static long key(long seed, long a, long b, long c, long d) {
    return key(key(key(key(seed, a), b), c), d);
  }

  /** 64 random bits for draw {@code index} of stream {@code key}. */
  public static long bits(long key, long index) {
    return mix(key + (index + 1) * GOLDEN);
  }

  /** Uniform float in [0, 1). */
  public static float uniform(long key, long index) {
    return (bits(key, index) >>> 40) * 0x1.0p-24f;
  }

  /** Uniform double in [0, 1). */
  public static double uniformDouble(long key, long index) {
    return (bits(key, index) >>> 11) * 0x1.0p-53;
  }

  /** Standard normal draw (Box-Muller on draws 2*index and 2*index+1). */
  public static double gaussian(long key, long index) {
    double u1 = 1.0 - uniformDouble(key, 2 * index); // (0, 1]
    double u2 = uniformDouble(key, 2 * index + 1);
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
  }

  /** Uniform int in [0, bound), by Lemire's multiply-shift (bias below 2^-32 for our bounds). */
  public static int below(long key, long index, int bound) {
    return (int) (((bits(key, index) >>> 32) * bound) >>> 32);
  }

  /** Fills {@code perm[0..n)} with a Fisher-Yates permutation of {@code 0..n-1} drawn from {@code key}. */
  public static void permutation(long key, int[] perm, int n) {
    for (int i = 0; i < n; i++) perm[i] = i;
    shuffle(key, perm, n);
  }

  /** Fisher-Yates shuffle of {@code a[0..n)} in place, drawn from {@code key}. Modified: a. */
  public static void shuffle(long key, int[] a, int n) {
    for (int i = n - 1; i > 0; i--) {
      int j = below(key, i, i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}

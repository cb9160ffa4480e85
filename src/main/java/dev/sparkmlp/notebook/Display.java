package dev.sparkmlp.notebook;

import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What a notebook cell can show besides text. Every cell has {@code import static} of this class,
 * so a cell writes {@code display(png)}. Each call sends one Jupyter display_data output, a map
 * from MIME type to data; saved notebooks keep it.
 */
public final class Display {
  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  private static volatile Consumer<Map<String, String>> sink = null;

  private Display() {}

  /** Where displays go: set by the kernel (and by tests); null when no kernel runs. */
  static void sendTo(Consumer<Map<String, String>> target) {
    sink = target;
  }

  /**
   * Shows a PNG image inline ({@code image/png}, base64 as Jupyter stores it).
   *
   * @throws IllegalArgumentException if {@code png} does not start with the PNG signature
   */
  public static void display(byte[] png) {
    if (png == null || png.length < 24 || !Arrays.equals(png, 0, 8, PNG_SIGNATURE, 0, 8)) {
      throw new IllegalArgumentException("display: not a PNG image (expected the 8-byte PNG"
          + " signature" + (png == null ? ", got null)" : ", got " + png.length + " bytes)"));
    }
    // IHDR is the first chunk: width and height are the big-endian ints at bytes 16 and 20.
    Map<String, String> data = new LinkedHashMap<>();
    data.put("image/png", Base64.getEncoder().encodeToString(png));
    int width = bigEndianInt(png, 16);
    int height = bigEndianInt(png, 20);
    data.put("text/plain", "<PNG image " + width + "x" + height + ">");
    send(data);
  }

  private static void send(Map<String, String> data) {
    Consumer<Map<String, String>> target = sink;
    if (target == null) {
      throw new IllegalStateException("display: no notebook kernel is running in this JVM");
    }
    target.accept(data);
  }

  private static int bigEndianInt(byte[] b, int at) {
    return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8
        | (b[at + 3] & 0xff);
  }
}

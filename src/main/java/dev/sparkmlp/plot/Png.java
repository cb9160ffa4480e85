package dev.sparkmlp.plot;

import dev.sparkmlp.io.Fs;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.RenderedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** PNG encoding, decoding, atomic writing, and panels placed side by side. */
public final class Png {
  private Png() {}

  /** The image as PNG bytes (lossless; the same image gives the same bytes). */
  public static byte[] encode(RenderedImage image) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, "png", out)) throw new IOException("no PNG writer in this JVM");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode PNG: " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  /**
   * The image in PNG bytes, for a notebook to display or a test to inspect.
   *
   * @throws IllegalArgumentException if the bytes are not an image ImageIO can read
   */
  public static BufferedImage decode(byte[] png) {
    try {
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
      if (img == null) throw new IllegalArgumentException("not a PNG image (" + png.length + " bytes)");
      return img;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot decode PNG: " + e.getMessage(), e);
    }
  }

  /**
   * Writes PNG bytes to {@code path} (local or any Hadoop URI) through {@link Fs#writeAtomically}:
   * a reader, for example an image viewer refreshing {@code curves.png} during training, sees the
   * old file or the whole new one, never half of it.
   */
  public static void write(String path, byte[] png) {
    Fs.writeAtomically(path, out -> out.write(png));
  }

  /**
   * The panels left to right on one white image, as wide as their widths summed and as tall as the
   * tallest; shorter panels are top-aligned. The panels are not modified.
   */
  public static BufferedImage beside(BufferedImage... panels) {
    if (panels.length == 0) throw new IllegalArgumentException("no panels to place");
    int w = 0;
    int h = 0;
    for (BufferedImage p : panels) {
      w += p.getWidth();
      h = Math.max(h, p.getHeight());
    }
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, w, h);
      int x = 0;
      for (BufferedImage p : panels) {
        g.drawImage(p, x, 0, null);
        x += p.getWidth();
      }
    } finally {
      g.dispose();
    }
    return out;
  }
}

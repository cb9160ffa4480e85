package dev.sparkmlp.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class PngTest {
  private static BufferedImage filled(int w, int h, int rgb) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, rgb);
    return img;
  }

  @Test
  void encodeDecodeKeepsEveryPixel() {
    BufferedImage img = filled(7, 5, 0x123456);
    img.setRGB(3, 2, 0xff0000);
    BufferedImage back = Png.decode(Png.encode(img));
    assertArrayEquals(LineChartTest.pixels(img), LineChartTest.pixels(back));
  }

  @Test
  void besidePlacesPanelsLeftToRightTopAligned() {
    BufferedImage b = Png.beside(filled(3, 4, 0xff0000), filled(2, 2, 0x00ff00));
    assertEquals(5, b.getWidth());
    assertEquals(4, b.getHeight());
    assertEquals(0xff0000, b.getRGB(2, 3) & 0xffffff);
    assertEquals(0x00ff00, b.getRGB(3, 0) & 0xffffff);
    assertEquals(0x00ff00, b.getRGB(4, 1) & 0xffffff);
    assertEquals(0xffffff, b.getRGB(4, 3) & 0xffffff, "below the shorter panel is white");
    assertThrows(IllegalArgumentException.class, Png::beside);
  }

  @Test
  void decodeRefusesBytesThatAreNoImage() {
    assertEquals("not a PNG image (5 bytes)",
        assertThrows(IllegalArgumentException.class, () -> Png.decode(new byte[] {1, 2, 3, 4, 5})).getMessage());
  }
}

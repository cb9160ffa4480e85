import java.io.BufferedWriter;
import java.io.DataInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Writes rows [from, from + n) of an IDX image/label pair (Fashion-MNIST) as a CSV file with a
 * header: p0..p783 (pixels 0..255), then label. Run as a single-file program:
 *
 * <pre>java FashionCsv.java IMAGES.gz LABELS.gz FROM N OUT.csv</pre>
 */
public class FashionCsv {
  public static void main(String[] args) throws IOException {
    if (args.length != 5) {
      System.err.println("usage: java FashionCsv.java IMAGES.gz LABELS.gz FROM N OUT.csv");
      System.exit(2);
    }
    int from = Integer.parseInt(args[2]);
    int n = Integer.parseInt(args[3]);
    try (DataInputStream images = open(args[0], 2051); DataInputStream labels = open(args[1], 2049);
        BufferedWriter out = Files.newBufferedWriter(Path.of(args[4]), StandardCharsets.UTF_8)) {
      int count = images.readInt();
      int rows = images.readInt();
      int cols = images.readInt();
      if (labels.readInt() != count) throw new IOException("images and labels differ in count");
      if (from < 0 || n <= 0 || from + n > count) {
        throw new IOException("rows [" + from + ", " + (from + n) + ") outside [0, " + count + ")");
      }
      int d = rows * cols;
      StringBuilder sb = new StringBuilder();
      for (int j = 0; j < d; j++) sb.append('p').append(j).append(',');
      out.write(sb.append("label\n").toString());
      byte[] pixels = new byte[d];
      for (int i = 0; i < from + n; i++) {
        images.readFully(pixels);
        int label = labels.readUnsignedByte();
        if (i < from) continue;
        sb.setLength(0);
        for (int j = 0; j < d; j++) sb.append(pixels[j] & 0xff).append(',');
        out.write(sb.append(label).append('\n').toString());
      }
    }
  }

  private static DataInputStream open(String path, int magic) throws IOException {
    InputStream in = new GZIPInputStream(new FileInputStream(path), 1 << 16);
    DataInputStream d = new DataInputStream(in);
    int m = d.readInt();
    if (m != magic) throw new IOException(path + ": magic " + m + ", expected " + magic);
    return d;
  }
}

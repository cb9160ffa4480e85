package dev.sparkmlp.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Builders for small files in the exact on-disk formats the readers accept. */
final class TestFiles {
  private TestFiles() {}

  static byte[] idxImages(int count, int rows, int cols, byte[] pixels) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int32(out, Idx.IMAGES_MAGIC);
    int32(out, count);
    int32(out, rows);
    int32(out, cols);
    out.writeBytes(pixels);
    return out.toByteArray();
  }

  static byte[] idxLabels(byte[] labels) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int32(out, Idx.LABELS_MAGIC);
    int32(out, labels.length);
    out.writeBytes(labels);
    return out.toByteArray();
  }

  static void int32(ByteArrayOutputStream out, int v) {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
  }

  static byte[] gzip(byte[] raw) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
        gz.write(raw);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path write(Path dir, String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  static Path write(Path dir, String name, String text) throws IOException {
    return write(dir, name, text.getBytes(StandardCharsets.UTF_8));
  }

  static InputStream open(Path p) throws IOException {
    return Files.newInputStream(p);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) out.writeBytes(p);
    return out.toByteArray();
  }
}

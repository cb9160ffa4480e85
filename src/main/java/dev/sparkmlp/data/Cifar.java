package dev.sparkmlp.data;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Reader for the CIFAR-10 binary batches ({@code data_batch_1.bin} ... {@code test_batch.bin}), raw
 * or gzip-compressed.
 *
 * <pre>
 * record = 1 label byte (0..9) + 3072 pixel bytes:
 *          red plane (32x32, row-major), then green plane, then blue plane
 * file   = records back to back, no header
 * </pre>
 *
 * The 3072 features keep the file's plane order and are the raw values 0..255 as floats. The
 * streams are not closed.
 */
public final class Cifar {
  public static final int CLASSES = 10;
  public static final int PIXELS = 3 * 32 * 32;
  public static final int RECORD = 1 + PIXELS;

  private Cifar() {}

  public static Block read(InputStream in, String name) throws IOException {
    return readAll(List.of(in), List.of(name));
  }

  /** Several batch files concatenated in the given order, as one block. */
  public static Block readAll(List<InputStream> streams, List<String> names) throws IOException {
    if (streams.size() != names.size()) {
      throw new IllegalArgumentException(
          streams.size() + " streams but " + names.size() + " names");
    }
    if (streams.isEmpty()) throw new IllegalArgumentException("no CIFAR files given");
    List<byte[]> files = new ArrayList<>();
    long records = 0;
    for (int f = 0; f < streams.size(); f++) {
      byte[] bytes = readChecked(streams.get(f), names.get(f));
      files.add(bytes);
      records += bytes.length / RECORD;
    }
    if (records * PIXELS > Input.MAX_ARRAY) {
      throw new DataException(names.get(0), null, records + " records in " + names.size()
          + " files are more than one block can hold");
    }
    int n = (int) records;
    float[] x = new float[n * PIXELS];
    int[] labels = new int[n];
    int r = 0;
    for (byte[] bytes : files) {
      for (int off = 0; off < bytes.length; off += RECORD, r++) {
        labels[r] = bytes[off];
        int base = r * PIXELS;
        for (int j = 0; j < PIXELS; j++) x[base + j] = bytes[off + 1 + j] & 0xFF;
      }
    }
    return Block.classification(n, PIXELS, x, labels, CLASSES);
  }

  /** The whole file, checked for length and labels. */
  private static byte[] readChecked(InputStream stream, String name) throws IOException {
    byte[] bytes;
    try (Input in = Input.open(stream, name)) {
      bytes = in.readAllBytes();
    }
    if (bytes.length == 0) throw new DataException(name, null, "file is empty: no records");
    if (bytes.length % RECORD != 0) {
      int whole = bytes.length / RECORD;
      throw new DataException(name, "byte " + (long) whole * RECORD, "length " + bytes.length
          + " bytes is not a multiple of the " + RECORD + "-byte record (1 label + " + PIXELS
          + " pixels): " + whole + " whole records and " + bytes.length % RECORD
          + " bytes left over");
    }
    for (int off = 0, r = 0; off < bytes.length; off += RECORD, r++) {
      int label = bytes[off] & 0xFF;
      if (label >= CLASSES) {
        throw new DataException(name, "record " + r, "label " + label + " is outside [0, "
            + CLASSES + ")");
      }
    }
    return bytes;
  }
}

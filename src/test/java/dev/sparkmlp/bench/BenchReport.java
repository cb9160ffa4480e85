package dev.sparkmlp.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects the figures of one benchmark, prints each as {@code BENCH <name> <value> <unit>} the
 * moment it is added, and writes them all to {@code <dir>/<bench>.json}.
 *
 * <pre>
 * BenchReport r = new BenchReport("kernel");
 * r.info("jvm", System.getProperty("java.vm.version"));
 * r.add("gemm_fwd_784x128_b100_ours", 131.2, "GFLOP/s");
 * r.write();   // target/bench/kernel.json
 * </pre>
 *
 * The directory is {@code target/bench} under the working directory unless the system property
 * {@code sparkmlp.benchDir} names another. The file is written to a temporary name and renamed,
 * so a reader never sees half of it.
 */
public final class BenchReport {
  private record Entry(String name, double value, String unit, String note) {}

  private final String bench;
  private final Instant started = Instant.now();
  private final Map<String, String> info = new LinkedHashMap<>();
  private final List<Entry> entries = new ArrayList<>();

  public BenchReport(String bench) {
    if (!bench.matches("[A-Za-z0-9_.-]+")) {
      throw new IllegalArgumentException("bench name must be a plain file name: " + bench);
    }
    this.bench = bench;
  }

  /** Context for the reader of the JSON (JVM, implementation, machine); printed as a comment. */
  public void info(String key, String value) {
    info.put(key, value);
    System.out.println("# " + key + ": " + value);
  }

  public void add(String name, double value, String unit) {
    add(name, value, unit, null);
  }

  /** A figure with a note, e.g. that it is a published reference rather than a measurement. */
  public void add(String name, double value, String unit, String note) {
    if (name.isEmpty() || name.chars().anyMatch(Character::isWhitespace)
        || unit.chars().anyMatch(Character::isWhitespace)) {
      // The BENCH line is split on whitespace by whoever reads it.
      throw new IllegalArgumentException("BENCH name and unit must be single words: '" + name
          + "' '" + unit + "'");
    }
    entries.add(new Entry(name, value, unit, note));
    if (note != null) System.out.println("# " + name + ": " + note);
    System.out.println("BENCH " + name + " " + format(value) + " " + unit);
  }

  /** The value added under name, or NaN. */
  public double get(String name) {
    for (Entry e : entries) if (e.name.equals(name)) return e.value;
    return Double.NaN;
  }

  /** Writes the JSON file and returns its path. */
  public Path write() {
    Path dir = Path.of(System.getProperty("sparkmlp.benchDir", "target/bench"));
    Path file = dir.resolve(bench + ".json");
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "." + bench, ".json.tmp");
      try {
        Files.writeString(tmp, toJson(), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    System.out.println("# wrote " + file);
    return file;
  }

  String toJson() {
    StringBuilder sb = new StringBuilder();
    sb.append("{\n  \"bench\": ").append(quote(bench));
    sb.append(",\n  \"started\": ").append(quote(started.toString()));
    sb.append(",\n  \"info\": {");
    String sep = "\n";
    for (Map.Entry<String, String> e : info.entrySet()) {
      sb.append(sep).append("    ").append(quote(e.getKey())).append(": ")
          .append(quote(e.getValue()));
      sep = ",\n";
    }
    sb.append(info.isEmpty() ? "}" : "\n  }");
    sb.append(",\n  \"results\": [");
    sep = "\n";
    for (Entry e : entries) {
      sb.append(sep).append("    {\"name\": ").append(quote(e.name))
          .append(", \"value\": ").append(Double.isFinite(e.value) ? format(e.value) : "null")
          .append(", \"unit\": ").append(quote(e.unit));
      if (e.note != null) sb.append(", \"note\": ").append(quote(e.note));
      sb.append('}');
      sep = ",\n";
    }
    sb.append(entries.isEmpty() ? "]" : "\n  ]").append("\n}\n");
    return sb.toString();
  }

  /** Four significant digits, plain notation: timings are not more precise than that. */
  static String format(double v) {
    if (!Double.isFinite(v)) return String.valueOf(v);
    if (v == 0) return "0";
    return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (ch < 0x20) {
            sb.append(String.format("\\u%04x", (int) ch));
          } else {
            sb.append(ch);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}

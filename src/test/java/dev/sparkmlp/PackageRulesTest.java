package dev.sparkmlp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package map of DESIGN.md, enforced on the sources: Spark only in spark, ml, study and cli, and each
 * package refers only to the packages below it, by import or by fully-qualified name.
 */
class PackageRulesTest {
  private static final Path MAIN = Path.of("src/main/java/dev/sparkmlp");

  /** Which of our packages each package may import. */
  private static final Map<String, List<String>> ALLOWED = Map.ofEntries(
      Map.entry("math", List.of()),
      Map.entry("data", List.of("math")),
      Map.entry("nn", List.of("math", "data")),
      Map.entry("optim", List.of("math")),
      Map.entry("io", List.of("math", "data", "nn", "optim")),
      Map.entry("train", List.of("math", "data", "nn", "optim", "io")),
      Map.entry("spark", List.of("math", "data", "nn", "optim", "io", "train")),
      Map.entry("plot", List.of("math", "data", "nn", "optim", "io", "train")),
      Map.entry("ml", List.of("math", "data", "nn", "optim", "io", "train", "spark", "plot")),
      Map.entry("study", List.of("math", "data", "nn", "optim", "io", "train", "spark", "plot", "ml")),
      Map.entry("cli", List.of("math", "data", "nn", "optim", "io", "train", "spark", "plot", "ml", "study")),
      // The Jupyter kernel of notebooks/: cells use everything, nothing uses it.
      Map.entry("notebook", List.of("math", "data", "nn", "optim", "io", "train", "spark", "plot", "ml", "study", "cli")));

  @Test
  void sparkIsImportedOnlyInSparkMlStudyAndCli() throws IOException {
    List<String> bad = new ArrayList<>();
    for (Path f : javaFiles()) {
      String pkg = MAIN.relativize(f).getName(0).toString();
      if (List.of("spark", "ml", "study", "cli").contains(pkg)) continue;
      for (String line : code(f)) {
        if (SPARK.matcher(line).find()) bad.add(f + ": " + line.strip());
      }
    }
    assertEquals(List.of(), bad);
  }

  @Test
  void packagesImportOnlyDownward() throws IOException {
    List<String> bad = new ArrayList<>();
    for (Path f : javaFiles()) {
      String pkg = MAIN.relativize(f).getName(0).toString();
      List<String> allowed = ALLOWED.get(pkg);
      if (allowed == null) {
        bad.add(f + ": package " + pkg + " is not in DESIGN.md's table");
        continue;
      }
      for (String line : code(f)) {
        var m = OURS.matcher(line);
        while (m.find()) {
          if (!m.group(1).equals(pkg) && !allowed.contains(m.group(1))) bad.add(f + ": " + line.strip());
        }
      }
    }
    assertEquals(List.of(), bad);
  }

  /** The scan sees fully-qualified names in code, and none in comments or strings. */
  @Test
  void scanSeesFullyQualifiedNamesOnly(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Path f = dir.resolve("X.java");
    Files.writeString(f, String.join("\n",
        "/** {@link dev.sparkmlp.cli.Main} */",
        "class X { // dev.sparkmlp.study.A",
        "  String s = \"dev.sparkmlp.ml.B \\\" org.apache.spark.C\"; char q = '\"';",
        "  int n = dev.sparkmlp.cli.Main.run(new String[0]) + org.apache.spark.SparkContext.x;",
        "}"));
    List<String> refs = new ArrayList<>();
    for (String line : code(f)) {
      var m = OURS.matcher(line);
      while (m.find()) refs.add(m.group(1));
      var sp = SPARK.matcher(line);
      while (sp.find()) refs.add(sp.group(1));
    }
    assertEquals(List.of("cli", "org.apache.spark"), refs);
  }

  /** A reference to one of our packages, in an import or as a fully-qualified name. */
  private static final Pattern OURS = Pattern.compile("\\bdev\\.sparkmlp\\.(\\w+)\\.");
  private static final Pattern SPARK = Pattern.compile("(?<![\\w.])(org\\.apache\\.spark|scala)\\.");

  /**
   * The lines of a source file with comments and string and character literals blanked out, so
   * that every remaining package name is a real reference: an import or a fully-qualified name.
   */
  static List<String> code(Path f) throws IOException {
    String s = Files.readString(f);
    StringBuilder out = new StringBuilder(s.length());
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (s.startsWith("//", i)) {
        while (i < s.length() && s.charAt(i) != '\n') i++;
      } else if (s.startsWith("/*", i)) {
        int end = s.indexOf("*/", i + 2);
        end = end < 0 ? s.length() : end + 2;
        for (; i < end; i++) out.append(s.charAt(i) == '\n' ? '\n' : ' ');
      } else if (s.startsWith("\"\"\"", i)) {
        int end = s.indexOf("\"\"\"", i + 3);
        end = end < 0 ? s.length() : end + 3;
        for (; i < end; i++) out.append(s.charAt(i) == '\n' ? '\n' : ' ');
      } else if (c == '"' || c == '\'') {
        out.append(' ');
        for (i++; i < s.length() && s.charAt(i) != c && s.charAt(i) != '\n'; i++) {
          if (s.charAt(i) == '\\') i++;
          out.append(' ');
        }
        i++;
        out.append(' ');
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString().lines().toList();
  }

  private static List<Path> javaFiles() throws IOException {
    try (Stream<Path> s = Files.walk(MAIN)) {
      return s.filter(p -> p.toString().endsWith(".java") && MAIN.relativize(p).getNameCount() > 1).toList();
    }
  }
}

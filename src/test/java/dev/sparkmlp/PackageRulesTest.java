package dev.sparkmlp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package map of DESIGN.md, enforced on the sources: Spark only in spark, ml, study and cli, and each
 * package imports only the packages below it.
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
      for (String line : Files.readAllLines(f)) {
        if (line.matches("^import (static )?(org\\.apache\\.spark|scala)\\..*")) bad.add(f + ": " + line);
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
      for (String line : Files.readAllLines(f)) {
        var m = java.util.regex.Pattern.compile("^import (?:static )?dev\\.sparkmlp\\.(\\w+)\\.").matcher(line);
        if (m.find() && !m.group(1).equals(pkg) && !allowed.contains(m.group(1))) bad.add(f + ": " + line);
      }
    }
    assertEquals(List.of(), bad);
  }

  private static List<Path> javaFiles() throws IOException {
    try (Stream<Path> s = Files.walk(MAIN)) {
      return s.filter(p -> p.toString().endsWith(".java") && MAIN.relativize(p).getNameCount() > 1).toList();
    }
  }
}

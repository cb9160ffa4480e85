package dev.sparkmlp.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.cli.Main;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The study end to end through {@code sparkmlp ablation} on a tiny version of
 * conf/ablation-mnist.conf: 1,000 training rows, 2 epochs, SGD and Adam, one seed, both
 * initialisations, lambda 0 and 3, plus a two-rate sweep, one full-data run and the small-sample
 * runs; then the same report rewritten from the published CSV files.
 */
class AblationStudyTest {
  @TempDir Path dir;

  static final List<String> TINY =
      List.of(
          "--config",
          "conf/ablation-mnist.conf",
          "--epochs",
          "2",
          "--set",
          "data.train-rows=1000",
          "--set",
          "ablation.cv-rows=1000",
          "--set",
          "ablation.optimizers=[sgd,adam]",
          "--set",
          "ablation.lambdas=[0,3]",
          "--set",
          "ablation.seeds=[1]",
          "--set",
          "ablation.lr-sweep.rates=[0.01,0.1]",
          "--set",
          "ablation.lr-sweep.epochs=1",
          "--set",
          "ablation.full-data.epochs=1",
          "--set",
          "ablation.full-data.train-rows=2000",
          "--set",
          "ablation.full-data.optimizers=[adam]",
          "--set",
          "ablation.small-sample.rows=200",
          "--set",
          "ablation.small-sample.epochs=2");

  record Run(int code, String out, String err) {}

  private static Run ablation(Path out, String... more) {
    List<String> args = new ArrayList<>(List.of("ablation"));
    args.addAll(TINY);
    args.addAll(List.of("--output", out.toString()));
    args.addAll(List.of(more));
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = Main.run(args.toArray(new String[0]));
      return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void tinyGridWritesTablesFiguresAndReportAndRewritesItFromThePublishedFiles()
      throws Exception {
    Assumptions.assumeTrue(
        Files.exists(Path.of("data/mnist/train-images-idx3-ubyte.gz")),
        "data/mnist is missing: copy the MNIST IDX files there (see data/README.md)");
    Path out = dir.resolve("abl");
    Run r = ablation(out, "--publish", dir.resolve("pub").toString());
    assertEquals(0, r.code(), r.err() + r.out());
    // One progress line per run, each with an ETA.
    assertEquals(
        19, r.out().lines().filter(l -> l.matches("\\[\\s*\\d+/19\\] .*ETA .*")).count(), r.out());
    assertTrue(r.out().contains("learning rates from the sweep"), r.out());

    List<String> csv = Files.readAllLines(out.resolve("results.csv"));
    assertTrue(csv.get(0).startsWith("phase,id,optimizer,lr,init,lambda"), csv.get(0));
    // sweep 2 x 2, grid 2 x 2 x 2, full data 1, small sample 3 on true and 3 on random labels
    assertEquals(1 + 4 + 8 + 1 + 3 + 3, csv.size(), String.join("\n", csv));
    int columns = csv.get(0).split(",", -1).length;
    for (String line : csv) assertEquals(columns, line.split(",", -1).length, line);
    for (String o : List.of("sgd", "adam")) {
      for (String i : List.of("uniform", "he_uniform")) {
        for (String l : List.of("0", "3")) {
          String id = "grid-" + o + "-" + i + "-l" + l + "-s1";
          assertTrue(
              csv.stream().anyMatch(line -> line.startsWith("grid," + id + "," + o + ",")), id);
          assertTrue(Files.exists(out.resolve("cells").resolve(id).resolve("metrics.jsonl")), id);
          assertTrue(Files.exists(out.resolve("cells").resolve(id).resolve("result.json")), id);
        }
      }
    }
    // A He-uniform run logs both epochs with the study's metrics and per-layer gradient norms.
    List<String> lines =
        Files.readAllLines(out.resolve("cells/grid-adam-he_uniform-l0-s1/metrics.jsonl"));
    assertEquals(2, lines.size());
    for (String key :
        List.of("\"train_bce\":", "\"val_half_mse\":", "\"grad_norm\":{\"dense1\":")) {
      assertTrue(lines.get(1).contains(key), key + " in " + lines.get(1));
    }
    assertTrue(
        csv.stream()
            .anyMatch(
                line ->
                    line.startsWith("full-data,full-adam-s1,adam,") && line.contains(",test,")));
    assertEquals(3, csv.stream().filter(line -> line.startsWith("small-sample,")).count());
    assertEquals(3, csv.stream().filter(line -> line.startsWith("random-labels,random-")).count());

    String table = Files.readString(out.resolve("table.md"));
    for (String block :
        List.of(
            "### U[-1,1], λ = 0",
            "### U[-1,1], λ = 3",
            "### He uniform, λ = 0",
            "### He uniform, λ = 3")) {
      assertTrue(table.contains(block), block + "\n" + table);
    }
    assertTrue(table.contains("| Train cost | CV cost | Train accuracy | CV accuracy |"), table);
    // The paper's MNIST numbers sit beside ours in the He-uniform, lambda-0 block only.
    assertTrue(table.contains("0.8711") && table.contains("0.881"), table);
    assertEquals(1, count(table, "Paper CV accuracy"), table);

    List<String> figures =
        List.of(
            "train-cost-uniform-l0.png",
            "train-accuracy-uniform-l0.png",
            "train-cost-he_uniform-l3.png",
            "train-accuracy-he_uniform-l3.png",
            "gap.png",
            "gap-epochs.png",
            "grad-norms-init.png",
            "lr-sweep.png",
            "full-data.png",
            "small-sample.png",
            "random-labels.png");
    for (String f : figures) {
      Path png = out.resolve("figures").resolve(f);
      assertTrue(Files.size(png) > 1000, f);
      BufferedImage img = ImageIO.read(png.toFile());
      assertNotNull(img, f + " is not a readable PNG");
      assertEquals(AblationFigures.WIDTH, img.getWidth(), f);
    }

    String report = Files.readString(out.resolve("REPORT.md"));
    for (String s :
        List.of(
            "## Findings",
            "## Headline",
            "## Which \"cost\" the paper reports",
            "## Learning-rate sweep",
            "## All settings",
            "full training set",
            "small sample",
            "random labels, where only memorisation is possible",
            "## Timing",
            "every optimizer reaches at least the paper's CV accuracy",
            "≥ 97.5% test accuracy",
            "With U[-1,1] most runs stay near chance",
            "λ makes no visible difference to generalization",
            "The best optimizer on CV (He uniform, λ = 0) is RMSProp",
            // Computed from the network and the config, not written into the code:
            "about 16 for the 784 inputs and 6.5 for 128 units",
            "After five layers",
            "(ln 10 = 2.30 is a uniform guess)",
            "averaged over the 10 outputs",
            "- Optimizers: SGD, Adam (Adam β₁ = 0.9, β₂ = 0.999).",
            "a factor-10 margin",
            "n = the batch size")) {
      assertTrue(report.contains(s), s);
    }
    // Each finding has a verdict, and every linked figure exists.
    assertTrue(verdicts(report).size() >= 6, report);
    Matcher m = Pattern.compile("\\]\\((figures/[^)]+\\.png)\\)").matcher(report);
    int links = 0;
    while (m.find()) {
      assertTrue(Files.exists(out.resolve(m.group(1))), m.group(1));
      links++;
    }
    assertTrue(links >= figures.size(), "figure links: " + links);

    // --publish: the same report and figures, without the per-run files.
    Path pub = dir.resolve("pub");
    assertTrue(
        Files.exists(pub.resolve("REPORT.md")) && Files.exists(pub.resolve("figures/gap.png")));
    assertTrue(Files.notExists(pub.resolve("cells")));

    // A second invocation trains nothing: every run's result is reused.
    Run again = ablation(out, "--report-only");
    assertEquals(0, again.code(), again.err());
    assertEquals(19, count(again.out(), "(reused)"), again.out());

    // --from: the report rewritten from the published CSV files alone.
    Path rewritten = dir.resolve("rewritten");
    Run from = ablation(dir.resolve("none"), "--from", pub.toString(), "--publish",
        rewritten.toString());
    assertEquals(0, from.code(), from.err() + from.out());
    assertEquals(19, count(from.out(), "(reused)"), from.out());
    assertTrue(Files.notExists(dir.resolve("none").resolve("cells")));
    for (String f : List.of("results.csv", "history.csv")) {
      assertEquals(Files.readString(pub.resolve(f)), Files.readString(rewritten.resolve(f)), f);
    }
    String again2 = Files.readString(rewritten.resolve("REPORT.md"));
    assertEquals(verdicts(report), verdicts(again2));
    assertTrue(again2.contains("rewritten from the published `results.csv` and `history.csv`"));
    for (String f : figures) assertTrue(Files.exists(rewritten.resolve("figures").resolve(f)), f);
  }

  private static List<String> verdicts(String report) {
    return report
        .lines()
        .filter(l -> l.matches("\\| \\d+ \\|.*\\| \\*\\*(holds|does not hold|partly)\\*\\* \\|.*"))
        .map(l -> l.replaceAll(".*\\| \\*\\*([a-z ]+)\\*\\* \\|.*", "$1"))
        .toList();
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) n++;
    return n;
  }
}

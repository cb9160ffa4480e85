package dev.sparkmlp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
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
 * {@code sparkmlp ablation} end to end on a tiny version of conf/ablation-mnist.conf: 1,000
 * training rows, 2 epochs, SGD and Adam, one seed, both initialisations, lambda 0 and 3, plus a
 * two-rate sweep, one full-data run and the small-sample runs.
 */
class AblationCommandTest {
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

  static void assumeMnist() {
    Assumptions.assumeTrue(
        Files.exists(Path.of("data/mnist/train-images-idx3-ubyte.gz")),
        "data/mnist is missing: copy the MNIST IDX files there (see data/README.md)");
  }

  private CliTest.Run ablation(Path out, String... more) {
    List<String> args = new ArrayList<>(List.of("ablation"));
    args.addAll(TINY);
    args.addAll(List.of("--output", out.toString()));
    args.addAll(List.of(more));
    return CliTest.run(args.toArray(new String[0]));
  }

  @Test
  void tinyGridWritesTablesFiguresAndReport() throws Exception {
    assumeMnist();
    Path out = dir.resolve("abl");
    CliTest.Run r = ablation(out, "--publish", dir.resolve("pub").toString());
    assertEquals(0, r.code(), r.err() + r.out());
    // One progress line per run, each with an ETA.
    assertEquals(
        19, r.out().lines().filter(l -> l.matches("\\[\\s*\\d+/19\\] .*ETA .*")).count(), r.out());
    assertTrue(r.out().contains("learning rates from the sweep"), r.out());

    List<String> csv = Files.readAllLines(out.resolve("results.csv"));
    assertTrue(csv.get(0).startsWith("phase,id,optimizer,lr,init,lambda"), csv.get(0));
    // sweep 2 x 2, grid 2 x 2 x 2, full data 1, small sample 3 on true and 3 on random labels
    assertEquals(1 + 4 + 8 + 1 + 3 + 3, csv.size(), String.join("\n", csv));
    for (String o : List.of("sgd", "adam")) {
      for (String i : List.of("uniform", "he_uniform")) {
        for (String l : List.of("0", "3")) {
          String id = "grid-" + o + "-" + i + "-l" + l + "-s1";
          assertTrue(
              csv.stream().anyMatch(line -> line.startsWith("grid," + id + "," + o + ",")), id);
          Path metrics = out.resolve("cells").resolve(id).resolve("metrics.jsonl");
          assertTrue(Files.exists(metrics), metrics.toString());
          assertTrue(Files.exists(out.resolve("cells").resolve(id).resolve("result.json")), id);
        }
      }
    }
    // A He-uniform run trains both epochs and logs each; its result has per-layer gradient norms.
    Path cell = out.resolve("cells/grid-adam-he_uniform-l0-s1");
    List<String> lines = Files.readAllLines(cell.resolve("metrics.jsonl"));
    assertEquals(2, lines.size());
    String result = Files.readString(cell.resolve("result.json"));
    assertTrue(result.matches("(?s).*\"grad_norm\"\\s*:\\s*\\[\\s*[0-9.eE-]+\\s*,.*"), result);
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
            "The best optimizer on CV (He uniform, λ = 0) is RMSProp")) {
      assertTrue(report.contains(s), s);
    }
    // Each finding has a verdict, and every linked figure exists.
    assertTrue(
        report
                .lines()
                .filter(
                    l ->
                        l.matches(
                            "\\| \\d+ \\|.*\\| \\*\\*(holds|does not hold|partly)\\*\\* \\|.*"))
                .count()
            >= 6,
        report);
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
    CliTest.Run again = ablation(out, "--report-only");
    assertEquals(0, again.code(), again.err());
    assertEquals(19, count(again.out(), "(reused)"), again.out());
  }

  @Test
  void missingDataFilesAreNamedBeforeAnythingRuns() {
    Path missing = dir.resolve("cifar/data_batch_1.bin");
    CliTest.Run r =
        CliTest.run(
            "ablation",
            "--config",
            "conf/ablation-cifar.conf",
            "--output",
            dir.toString(),
            "--set",
            "data.train=" + missing,
            "--set",
            "data.validation=" + dir.resolve("cifar/data_batch_2.bin"));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("the data files of this ablation are missing"), r.err());
    assertTrue(r.err().contains(missing.toString()), r.err());
    assertTrue(r.err().contains("conf/ablation-cifar.conf"), r.err());
  }

  @Test
  void overlappingCvRowsAreRejected() {
    CliTest.Run r =
        CliTest.run(
            "ablation",
            "--config",
            "conf/ablation-mnist.conf",
            "--output",
            dir.toString(),
            "--set",
            "ablation.cv-offset=5000");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("ablation.cv-offset") && r.err().contains("overlap"), r.err());
  }

  @Test
  void unknownAblationKeySuggestsTheRightOne() {
    CliTest.Run r =
        CliTest.run(
            "ablation",
            "--config",
            "conf/ablation-mnist.conf",
            "--output",
            dir.toString(),
            "--set",
            "ablation.lamdas=[0]");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("did you mean 'ablation.lambdas'"), r.err());
  }

  @Test
  void sweepChoiceKeepsAStabilityMarginBelowTheLargestRate() {
    Settings settings =
        new Settings(
            ConfigLoader.load(
                new java.io.File("conf/ablation-mnist.conf"),
                List.of("ablation.optimizers=[sgd]", "ablation.lr-sweep.rates=[0.01,0.1,0.3]"),
                java.util.Map.of()));
    AblationPlan plan = AblationPlan.of(settings);
    // The largest rate scores best but has no larger rate to vouch for it: the next one is chosen.
    List<AblationResult> stable =
        List.of(sweep(0.01, 0.80, false), sweep(0.1, 0.90, false), sweep(0.3, 0.95, false));
    assertEquals(0.1, AblationStudy.chooseRates(plan, stable).get("sgd"));
    // A rate whose next larger rate diverged is not eligible either.
    List<AblationResult> diverging =
        List.of(sweep(0.01, 0.80, false), sweep(0.1, 0.90, false), sweep(0.3, Double.NaN, true));
    assertEquals(0.01, AblationStudy.chooseRates(plan, diverging).get("sgd"));
  }

  private static AblationResult sweep(double lr, double acc, boolean diverged) {
    AblationPlan.Cell cell =
        new AblationPlan.Cell(
            "sweep-sgd-lr" + lr, AblationPlan.Phase.SWEEP, "sgd", lr, "he_uniform", 0, 0, 1, 3);
    AblationResult.Snapshot snap = new AblationResult.Snapshot(0.5, acc, 0.05, 0.1);
    AblationResult.Epoch e = new AblationResult.Epoch(1, 0.5, snap, snap, new double[] {1});
    return new AblationResult(
        cell,
        "key",
        new String[] {"dense1"},
        e,
        diverged ? List.of() : List.of(e),
        diverged ? "diverged" : null,
        1);
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) n++;
    return n;
  }
}

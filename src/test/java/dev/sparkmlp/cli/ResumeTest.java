package dev.sparkmlp.cli;

import static dev.sparkmlp.cli.CliTest.blobsCsv;
import static dev.sparkmlp.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train.resume} through the checkpoint files a run writes: an interrupted run resumed from
 * its checkpoint ends with the same weights, bit for bit, as the run that was never interrupted.
 */
class ResumeTest {
  @TempDir
  Path dir;

  private CliTest.Run train(Path csv, Path out, int epochs, String... extra) {
    List<String> args = new ArrayList<>(List.of("train", "--train", csv.toString(), "--format", "csv",
        "--label-column", "label", "--layers", "16,16", "--epochs", String.valueOf(epochs),
        "--batch-size", "20", "--lr", "0.01", "--output", out.toString(),
        "--set", "data.validation-split=0.2", "--set", "model.dropout=0.2",
        "--set", "train.early-stopping.patience=5"));
    for (String e : extra) {
      args.add("--set");
      args.add(e);
    }
    return run(args.toArray(String[]::new));
  }

  @Test
  void resumedRunEndsWithTheUninterruptedRunsWeights() throws Exception {
    Path csv = blobsCsv(dir.resolve("train.csv"), 400, 5);
    CliTest.Run straight = train(csv, dir.resolve("straight"), 4);
    assertEquals(0, straight.code(), straight.err());

    CliTest.Run first = train(csv, dir.resolve("first"), 2, "train.checkpoint-every=1");
    assertEquals(0, first.code(), first.err());
    Path checkpoint = dir.resolve("first/checkpoint");
    assertTrue(Files.exists(checkpoint.resolve("checkpoint.json")), "checkpoint written");
    assertTrue(Files.exists(checkpoint.resolve("optimizer.bin")), "optimizer state written");

    CliTest.Run resumed = train(csv, dir.resolve("resumed"), 4, "train.resume=" + checkpoint);
    assertEquals(0, resumed.code(), resumed.err());
    assertTrue(resumed.out().contains("resumed from " + checkpoint + " after epoch 2"), resumed.out());
    assertTrue(resumed.out().contains("epoch 3/4") && !resumed.out().contains("epoch 1/4"), resumed.out());

    assertArrayEquals(Files.readAllBytes(dir.resolve("straight/model/weights.bin")),
        Files.readAllBytes(dir.resolve("resumed/model/weights.bin")));
    List<String> lines = Files.readAllLines(dir.resolve("resumed/metrics.jsonl"));
    assertEquals(4, lines.size(), "the resumed run's metrics.jsonl continues the history");
    assertEquals(Files.readAllLines(dir.resolve("first/metrics.jsonl")).get(0), lines.get(0));
  }

  @Test
  void resumeWithAnotherSeedOrAMissingCheckpointIsAnError() throws Exception {
    Path csv = blobsCsv(dir.resolve("train.csv"), 200, 6);
    assertEquals(0, train(csv, dir.resolve("a"), 1, "train.checkpoint-every=1").code());
    Path checkpoint = dir.resolve("a/checkpoint");

    CliTest.Run seed = train(csv, dir.resolve("b"), 2, "train.resume=" + checkpoint, "train.seed=77");
    assertEquals(2, seed.code(), seed.out());
    assertTrue(seed.err().contains(checkpoint.toString()) && seed.err().contains("seed"), seed.err());

    CliTest.Run missing = train(csv, dir.resolve("c"), 2, "train.resume=" + dir.resolve("nowhere"));
    assertEquals(2, missing.code(), missing.out());
    assertTrue(missing.err().contains("nowhere") && missing.err().contains("not found"), missing.err());
  }
}

package dev.sparkmlp.cli;

import static dev.sparkmlp.cli.CliTest.blobsCsv;
import static dev.sparkmlp.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train.stop-at through the CLI: summary.json's target fields, resume, and the errors. */
class StopAtCliTest {
  @TempDir
  Path dir;

  /** 30 epochs at lr 0.002 unless more sets --epochs or --lr. */
  private String[] train(Path csv, Path out, String... more) {
    List<String> args = new ArrayList<>(List.of("train", "--train", csv.toString(), "--format",
        "csv", "--label-column", "label", "--layers", "16", "--batch-size", "40", "--set",
        "data.validation-split=0.25", "--output", out.toString()));
    if (!List.of(more).contains("--epochs")) args.addAll(List.of("--epochs", "30"));
    if (!List.of(more).contains("--lr")) args.addAll(List.of("--lr", "0.002"));
    args.addAll(Arrays.asList(more));
    return args.toArray(new String[0]);
  }

  private static JsonNode summary(Path out) throws Exception {
    return new ObjectMapper().readTree(out.resolve("summary.json").toFile());
  }

  @Test
  void summaryRecordsTheTargetAndAResumedRunStopsAtOnce() throws Exception {
    Path csv = blobsCsv(dir.resolve("train.csv"), 600, 3);
    Path out = dir.resolve("run");
    CliTest.Run r = run(train(csv, out, "--optimizer", "lamb", "--set",
        "train.stop-at.metric=val_acc", "--set", "train.stop-at.value=0.95", "--set",
        "train.checkpoint-every=100"));
    assertEquals(0, r.code(), r.err());
    JsonNode s = summary(out);
    assertTrue(s.get("reached_target").asBoolean(), s.toString());
    int epochs = s.get("epochs_to_target").asInt();
    List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
    assertEquals(epochs, lines.size(), "training ended with the target epoch");
    assertTrue(epochs >= 2 && epochs < 30, "stopped before the planned 30 epochs, and not at"
        + " the first (which would not show it is the first to reach it): " + epochs);
    JsonNode last = new ObjectMapper().readTree(lines.get(lines.size() - 1));
    assertTrue(last.get("val_accuracy").asDouble() >= 0.95, last.toString());
    JsonNode before = new ObjectMapper().readTree(lines.get(lines.size() - 2));
    assertTrue(before.get("val_accuracy").asDouble() < 0.95, "the first epoch to reach it");
    assertEquals(last.get("step").asLong(), s.get("steps_to_target").asLong());
    double seconds = 0;
    for (String l : lines) seconds += new ObjectMapper().readTree(l).get("seconds").asDouble();
    assertEquals(seconds, s.get("seconds_to_target").asDouble(), 1e-9);
    // The time before training splits into the engine's start and the data load; with the
    // training time they fit inside the run's wall time.
    double startup = s.get("startup_seconds").asDouble();
    double load = s.get("load_seconds").asDouble();
    assertTrue(startup >= 0 && load > 0, s.toString());
    assertTrue(startup + load + seconds <= s.get("seconds").asDouble(), s.toString());
    assertEquals("val_acc", s.get("target_metric").asText());
    assertEquals(0.95, s.get("target_value").asDouble());
    assertTrue(r.out().contains("val_acc reached 0.95 at epoch " + epochs), r.out());

    // Resumed from the checkpoint written at the target epoch: no epoch runs, same figures.
    Path again = dir.resolve("again");
    CliTest.Run resumed = run(train(csv, again, "--optimizer", "lamb", "--set",
        "train.stop-at.metric=val_acc", "--set", "train.stop-at.value=0.95", "--set",
        "train.resume=" + out.resolve("checkpoint")));
    assertEquals(0, resumed.code(), resumed.err());
    assertTrue(resumed.out().contains("resumed from"), resumed.out());
    assertFalse(resumed.out().contains("epoch " + (epochs + 1) + "/"), resumed.out());
    JsonNode s2 = summary(again);
    assertEquals(epochs, s2.get("epochs_to_target").asInt());
    assertEquals(s.get("steps_to_target"), s2.get("steps_to_target"));
    assertEquals(s.get("seconds_to_target"), s2.get("seconds_to_target"));
  }

  @Test
  void aTargetNotReachedIsRecordedAsSuch() throws Exception {
    Path csv = blobsCsv(dir.resolve("train.csv"), 300, 4);
    Path out = dir.resolve("run");
    CliTest.Run r = run(train(csv, out, "--epochs", "2", "--optimizer", "lars", "--lr", "1",
        "--set", "train.stop-at.metric=train_loss", "--set", "train.stop-at.value=1e-6"));
    assertEquals(0, r.code(), r.err());
    JsonNode s = summary(out);
    assertFalse(s.get("reached_target").asBoolean());
    assertTrue(s.get("seconds_to_target").isNull(), s.toString());
    assertTrue(s.get("epochs_to_target").isNull(), s.toString());
    assertTrue(s.get("steps_to_target").isNull(), s.toString());
    assertEquals(2, s.get("epochs").asInt());

    // Without a target, summary.json has no target fields.
    Path plain = dir.resolve("plain");
    assertEquals(0, run(train(csv, plain, "--epochs", "1")).code());
    assertFalse(summary(plain).has("reached_target"));
  }

  @Test
  void badTargetsAreOneLineErrorsNamingTheKey() throws Exception {
    Path csv = blobsCsv(dir.resolve("train.csv"), 200, 5);
    String[][] cases = {
        {"train.stop-at.metric=accuracy", "train.stop-at.value=0.9", "train.stop-at.metric"},
        {"train.stop-at.metric=val_acc", "train.stop-at.value=97", "train.stop-at.value"},
        {"train.stop-at.metric=val_loss", "train.stop-at.value=0", "train.stop-at.value"},
    };
    for (String[] c : cases) {
      CliTest.Run r = run(train(csv, dir.resolve("bad"), "--set", c[0], "--set", c[1]));
      assertEquals(2, r.code(), r.err());
      assertTrue(r.err().startsWith("sparkmlp: error:") && r.err().contains(c[2]), r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
    }
    // An accuracy target on a regression run.
    CliTest.Run r = run(train(csv, dir.resolve("reg"), "--task", "regression", "--loss", "mse",
        "--set", "train.stop-at.metric=train_acc", "--set", "train.stop-at.value=0.9"));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("train.stop-at.metric train_acc needs a classification task"),
        r.err());
    // A validation target without a validation set.
    r = run(train(csv, dir.resolve("noval"), "--set", "data.validation-split=0", "--set",
        "train.stop-at.metric=val_loss", "--set", "train.stop-at.value=0.1"));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("train.stop-at.metric val_loss needs a validation set"), r.err());
  }
}

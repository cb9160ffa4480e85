package dev.sparkmlp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ablation} command's handling of bad input: one line naming the problem, exit code 2,
 * before anything trains. The study itself is tested in {@code dev.sparkmlp.study}.
 */
class AblationCommandTest {
  @TempDir Path dir;

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
  void fromWithoutAPublishedReportSaysWhatIsMissing() {
    CliTest.Run r =
        CliTest.run(
            "ablation",
            "--config",
            "conf/ablation-mnist.conf",
            "--output",
            dir.resolve("out").toString(),
            "--from",
            dir.resolve("nothing").toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("results.csv: not found"), r.err());
  }
}

package dev.sparkmlp.plot;

import dev.sparkmlp.io.Fs;
import dev.sparkmlp.train.EpochMetrics;
import dev.sparkmlp.train.Trainer;
import java.io.PrintStream;

/**
 * Redraws {@code runDir/curves.png} from the trainer's history after every epoch
 * ({@link Curves#writeRun}), so that the chart always shows the run so far.
 *
 * <p>The chart is a by-product: the history itself is in {@code metrics.jsonl}, from which
 * {@code sparkmlp plot} can draw it again. So a failure to draw it (no fonts on the machine, say)
 * does not stop the training: it is reported once, as one warning line, and no further attempt is
 * made.
 */
public final class CurvesListener implements Trainer.Listener {
  private final String runDir;
  private final PrintStream warnings;
  private boolean failed;

  public CurvesListener(String runDir, PrintStream warnings) {
    this.runDir = runDir;
    this.warnings = warnings;
  }

  @Override
  public void epochEnd(EpochMetrics metrics, Trainer trainer) {
    if (failed) return;
    try {
      Curves.writeRun(runDir, trainer.history());
    } catch (RuntimeException | LinkageError e) {
      failed = true;
      String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      warnings.println("sparkmlp: warning: cannot draw " + Fs.resolve(runDir, Curves.FILE) + " (" + e.getClass()
          .getSimpleName() + ": " + why + "); training goes on without it, and 'sparkmlp plot' can draw it "
          + "from metrics.jsonl later");
    }
  }

  /** True once drawing has failed; the listener then does nothing more. */
  public boolean failed() {
    return failed;
  }
}

package dev.sparkmlp.study;

/**
 * One checked statement of a study's report.
 *
 * @param source where the statement comes from: "paper", "expected", "extension"
 * @param verdict "holds", "partly", "does not hold" or "not run"
 * @param evidence the numbers behind the verdict
 */
public record Finding(String claim, String source, String verdict, String evidence) {
  /** A statement whose runs have not finished (a partial study, or --report-only). */
  static Finding notRun(String claim, String source) {
    return new Finding(claim, source, "not run", "no finished runs for this comparison yet");
  }
}

package dev.sparkmlp.study;

import java.util.Locale;

/**
 * Which of our cost definitions the paper's reported SGD cost matches: the epoch of our SGD runs
 * (working init, lambda 0) whose training accuracy is closest to the paper's, and there the
 * nearest of CCE, per-output BCE and half squared error by log ratio.
 *
 * @param closest "CCE", "BCE" or "½SE"
 * @param text the paragraph the report prints
 */
record CostMatch(String closest, String text) {

  /** Null when the paper gives no SGD cost and accuracy, or our SGD runs are missing. */
  static CostMatch of(ReportData d, AblationPaper.Row paper) {
    AblationGroup g = d.grid("sgd", d.init, 0);
    if (g == null || paper == null || Double.isNaN(paper.trainAcc())
        || Double.isNaN(paper.trainCost())) {
      return null;
    }
    int best = -1;
    double bestD = Double.POSITIVE_INFINITY;
    int n = g.curve(e -> e.train().acc()).length;
    for (int e = 0; e <= n; e++) {
      double a = g.at(e, x -> x.train().acc()).mean();
      if (Math.abs(a - paper.trainAcc()) < bestD) {
        bestD = Math.abs(a - paper.trainAcc());
        best = e;
      }
    }
    if (best < 0) return null;
    int ep = best;
    double acc = g.at(ep, x -> x.train().acc()).mean();
    double cce = g.at(ep, x -> x.train().cce()).mean();
    double bce = g.at(ep, x -> x.train().bce()).mean();
    double mse = g.at(ep, x -> x.train().halfMse()).mean();
    double c = paper.trainCost();
    String closest = closest(c, cce, bce, mse);
    double bound = (1 - paper.trainAcc()) * Math.log(2);
    String verdict =
        switch (closest) {
          case "BCE" ->
              String.format(
                  Locale.ROOT,
                  "so it most likely averages the cross-entropy over the %d outputs as well as over"
                      + " the rows",
                  d.classes());
          case "CCE" -> "which fits a mean CCE despite the bound";
          default ->
              "so it most likely reports a squared error of the outputs, not a cross-entropy";
        };
    String text =
        String.format(
            Locale.ROOT,
            "The paper reports a cost of %s for SGD at a training accuracy of %s. Our SGD runs are"
                + " closest to that accuracy after epoch %d (training accuracy %.4f), where the"
                + " training CCE is %.4f, the per-output BCE %.4f and the ½SE %.4f. A mean CCE of"
                + " %s at that accuracy is impossible: a misclassified row gives its true class a"
                + " probability of at most ½ and so costs at least ln 2, which puts the mean CCE at"
                + " %.1f%% errors above %.4f. The paper's figure is closest to our **%s** (ratio"
                + " %.2f), %s.",
            Fmt.paper(c),
            Fmt.paper(paper.trainAcc()),
            ep,
            acc,
            cce,
            bce,
            mse,
            Fmt.paper(c),
            100 * (1 - paper.trainAcc()),
            bound,
            closest,
            c / (closest.equals("BCE") ? bce : closest.equals("CCE") ? cce : mse),
            verdict);
    return new CostMatch(closest, text);
  }

  private static String closest(double c, double cce, double bce, double mse) {
    double dc = Math.abs(Math.log(c / cce));
    double db = Math.abs(Math.log(c / bce));
    double dm = Math.abs(Math.log(c / mse));
    if (db <= dc && db <= dm) return "BCE";
    return dc <= dm ? "CCE" : "½SE";
  }
}

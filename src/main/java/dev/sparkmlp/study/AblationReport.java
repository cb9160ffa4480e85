package dev.sparkmlp.study;

import dev.sparkmlp.study.AblationGroup.Stat;
import dev.sparkmlp.study.AblationPlan.Phase;
import dev.sparkmlp.io.Fs;
import dev.sparkmlp.io.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Writes the study's tables and report from its results: {@code results.csv} (one row per run),
 * {@code summary.csv} (mean and sd over seeds), {@code history.csv} (one row per run and epoch),
 * {@code table.md} (the paper's table format, the paper's numbers beside ours) and {@code
 * REPORT.md}, which checks the paper's findings and the expected results against the numbers. The
 * framing text is fixed; every number and every verdict is computed here.
 */
final class AblationReport {
  /**
   * A training-cost rise from one epoch to the next by more than this factor and by more than
   * {@link #SPIKE_MIN} counts as a spike; the floor keeps noise at costs near zero (0.0003 to
   * 0.0006) from counting.
   */
  static final double SPIKE = 1.5;

  static final double SPIKE_MIN = 0.02;

  /** Accuracy differences below this (in accuracy units) count as no visible difference. */
  static final double VISIBLE = 0.01;

  /** What the report says about the run besides the results. */
  record Context(
      String name,
      String configName,
      String command,
      String engine,
      Map<String, Double> rates,
      boolean ratesFromSweep,
      int trainRows,
      int cvRows,
      int fullRows,
      int testRows,
      String network,
      double wallSeconds,
      int reused) {}

  /** One checked statement. */
  record Finding(String claim, String source, String verdict, String evidence) {}

  private final AblationPlan plan;
  private final Context ctx;
  private final List<AblationResult> results;
  private final List<AblationGroup> groups;
  private final List<AblationFigures.Figure> figures;
  private final String init;

  AblationReport(
      AblationPlan plan,
      Context ctx,
      List<AblationResult> results,
      List<AblationFigures.Figure> figures) {
    this.plan = plan;
    this.ctx = ctx;
    this.results = results;
    this.groups = AblationGroup.of(results);
    this.figures = figures;
    this.init = AblationFigures.workingInit(plan);
  }

  /** Writes every file into dir and returns the names written. */
  List<String> write(String dir) {
    Json.writeFileAtomically(Fs.resolve(dir, "results.csv"), resultsCsv());
    Json.writeFileAtomically(Fs.resolve(dir, "summary.csv"), summaryCsv());
    Json.writeFileAtomically(Fs.resolve(dir, "history.csv"), historyCsv());
    Json.writeFileAtomically(Fs.resolve(dir, "table.md"), tableMd());
    Json.writeFileAtomically(Fs.resolve(dir, "REPORT.md"), reportMd());
    return List.of("results.csv", "summary.csv", "history.csv", "table.md", "REPORT.md");
  }

  // ---------------------------------------------------------------- CSV

  String resultsCsv() {
    int layers = results.isEmpty() ? 0 : results.get(0).layers().length;
    StringBuilder sb =
        new StringBuilder(
            "phase,id,optimizer,lr,init,lambda,dropout,seed,epochs,epochs_done,"
                + "diverged,train_cost,train_cce,train_acc,train_bce,train_half_mse,val_set,val_cce,val_acc,val_bce,"
                + "val_half_mse,gap,init_train_cce,init_val_acc");
    for (int l = 0; l < layers; l++)
      sb.append(",init_grad_norm_").append(results.get(0).layers()[l]);
    sb.append(",seconds\n");
    for (AblationResult r : results) {
      AblationPlan.Cell c = r.cell();
      AblationResult.Epoch e = r.last();
      row(
          sb,
          c.phase().label,
          c.id(),
          c.optimizer(),
          num(c.lr()),
          c.init(),
          num(c.lambda()),
          num(c.dropout()),
          String.valueOf(c.seed()),
          String.valueOf(c.epochs()),
          String.valueOf(r.history().size()),
          r.isDiverged() ? "true" : "false");
      if (e == null) {
        sb.append(",,,,,,").append(valSet(c)).append(",,,,,,");
      } else {
        sb.append(',')
            .append(num(e.trainCost()))
            .append(',')
            .append(num(e.train().cce()))
            .append(',')
            .append(num(e.train().acc()))
            .append(',')
            .append(num(e.train().bce()))
            .append(',')
            .append(num(e.train().halfMse()))
            .append(',')
            .append(valSet(c))
            .append(',')
            .append(num(e.val().cce()))
            .append(',')
            .append(num(e.val().acc()))
            .append(',')
            .append(num(e.val().bce()))
            .append(',')
            .append(num(e.val().halfMse()))
            .append(',')
            .append(num(e.train().acc() - e.val().acc()));
      }
      sb.append(',')
          .append(num(r.initial().train().cce()))
          .append(',')
          .append(num(r.initial().val().acc()));
      for (double g : r.initial().gradNorms()) sb.append(',').append(num(g));
      sb.append(',').append(String.format(Locale.ROOT, "%.2f", r.seconds())).append('\n');
    }
    return sb.toString();
  }

  String summaryCsv() {
    List<String> metrics =
        List.of(
            "train_cost",
            "train_cce",
            "train_acc",
            "train_bce",
            "train_half_mse",
            "val_cce",
            "val_acc",
            "val_bce",
            "val_half_mse",
            "gap");
    List<ToDoubleFunction<AblationResult.Epoch>> fs =
        List.of(
            AblationResult.Epoch::trainCost,
            e -> e.train().cce(),
            e -> e.train().acc(),
            e -> e.train().bce(),
            e -> e.train().halfMse(),
            e -> e.val().cce(),
            e -> e.val().acc(),
            e -> e.val().bce(),
            e -> e.val().halfMse(),
            e -> e.train().acc() - e.val().acc());
    StringBuilder sb =
        new StringBuilder("phase,optimizer,lr,init,lambda,dropout,runs,diverged,learned,val_set");
    for (String m : metrics) sb.append(',').append(m).append("_mean,").append(m).append("_sd");
    sb.append('\n');
    for (AblationGroup g : groups) {
      row(
          sb,
          g.phase().label,
          g.optimizer(),
          num(g.lr()),
          g.init(),
          num(g.lambda()),
          num(g.dropout()),
          String.valueOf(g.runs().size()),
          String.valueOf(g.diverged()),
          String.valueOf(g.learned()),
          valSet(g.runs().get(0).cell()));
      for (ToDoubleFunction<AblationResult.Epoch> f : fs) {
        Stat s = g.last(f);
        sb.append(',').append(num(s.mean())).append(',').append(num(s.sd()));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  String historyCsv() {
    int layers = results.isEmpty() ? 0 : results.get(0).layers().length;
    StringBuilder sb =
        new StringBuilder(
            "id,phase,optimizer,init,lambda,dropout,seed,epoch,train_cost,"
                + "train_cce,train_acc,train_bce,train_half_mse,val_cce,val_acc,val_bce,val_half_mse");
    for (int l = 0; l < layers; l++) sb.append(",grad_norm_").append(results.get(0).layers()[l]);
    sb.append('\n');
    for (AblationResult r : results) {
      List<AblationResult.Epoch> all = new ArrayList<>();
      all.add(r.initial());
      all.addAll(r.history());
      AblationPlan.Cell c = r.cell();
      for (AblationResult.Epoch e : all) {
        row(
            sb,
            c.id(),
            c.phase().label,
            c.optimizer(),
            c.init(),
            num(c.lambda()),
            num(c.dropout()),
            String.valueOf(c.seed()),
            String.valueOf(e.epoch()),
            num(e.trainCost()),
            num(e.train().cce()),
            num(e.train().acc()),
            num(e.train().bce()),
            num(e.train().halfMse()),
            num(e.val().cce()),
            num(e.val().acc()),
            num(e.val().bce()),
            num(e.val().halfMse()));
        for (double g : e.gradNorms()) sb.append(',').append(num(g));
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  private static String valSet(AblationPlan.Cell c) {
    return c.phase() == Phase.FULL ? "test" : "cv";
  }

  private static void row(StringBuilder sb, String... cells) {
    for (int i = 0; i < cells.length; i++) {
      if (i > 0) sb.append(',');
      sb.append(cells[i]);
    }
  }

  /** Six significant digits, empty for NaN. */
  static String num(double v) {
    if (Double.isNaN(v)) return "";
    if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
    if (v == Math.rint(v) && Math.abs(v) < 1e9) return String.valueOf((long) v);
    return String.format(Locale.ROOT, "%.6g", v)
        .replaceAll("(\\.\\d*?)0+(e|$)", "$1$2")
        .replace(".e", "e")
        .replaceAll("\\.$", "");
  }

  // ---------------------------------------------------------------- tables

  String tableMd() {
    StringBuilder sb = new StringBuilder();
    sb.append("# ").append(ctx.name()).append(": final metrics per setting\n\n");
    sb.append("Mean ± sd over seeds after ")
        .append(plan.epochs())
        .append(
            " epochs. Train cost = CCE + (λ/(2n))·Σw² from a full pass over the training rows; CV"
                + " cost = CCE on the CV rows. Generated by `")
        .append(ctx.command())
        .append("`.\n\n");
    sb.append(gridTable());
    return sb.toString();
  }

  /** The paper's format, one block per init and lambda. */
  private String gridTable() {
    Map<String, AblationPaper.Row> paper = AblationPaper.heLambda0(plan.paper());
    StringBuilder sb = new StringBuilder();
    for (String i : plan.inits()) {
      for (double l : plan.lambdas()) {
        sb.append("### ")
            .append(AblationFigures.initLabel(i))
            .append(", λ = ")
            .append(Fmt.num(l))
            .append("\n\n");
        boolean withPaper = !paper.isEmpty() && i.equals("he_uniform") && l == 0;
        sb.append(
            "| Optimizer | Train cost | CV cost | Train accuracy | CV accuracy | Train − CV | Runs"
                + " |");
        if (withPaper) sb.append(" Paper train cost | Paper train accuracy | Paper CV accuracy |");
        sb.append('\n').append("|---|---:|---:|---:|---:|---:|---|");
        if (withPaper) sb.append("---:|---:|---:|");
        sb.append('\n');
        for (String o : plan.optimizers()) {
          AblationGroup g = AblationGroup.find(groups, Phase.GRID, o, i, l, 0);
          if (g == null) continue;
          sb.append("| ")
              .append(AblationFigures.optimizerLabel(o))
              .append(" | ")
              .append(finalCells(g))
              .append(" | ")
              .append(g.gap().format(4))
              .append(" | ")
              .append(g.runsNote())
              .append(" |");
          if (withPaper) {
            AblationPaper.Row p = paper.get(o);
            sb.append(' ')
                .append(p == null ? "—" : paperNum(p.trainCost()))
                .append(" | ")
                .append(p == null ? "—" : paperNum(p.trainAcc()))
                .append(" | ")
                .append(p == null ? "—" : paperNum(p.cvAcc()))
                .append(" |");
          }
          sb.append('\n');
        }
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  private static String finalOrDiverged(AblationGroup g, ToDoubleFunction<AblationResult.Epoch> f) {
    Stat s = g.last(f);
    if (s.isNaN()) return g.diverged() > 0 ? "diverged" : "—";
    return s.format(4);
  }

  private static String paperNum(double v) {
    return Double.isNaN(v)
        ? "—"
        : String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
  }

  // ---------------------------------------------------------------- report

  String reportMd() {
    StringBuilder sb = new StringBuilder();
    sb.append("# ").append(ctx.name()).append(": optimizer × initialisation × L2 ablation\n\n");
    sb.append("This report is generated by `")
        .append(ctx.command())
        .append(
            "` from the runs it trained (every number below is computed from `results.csv`; only"
                + " the framing text is fixed). It reproduces and extends the ablation study of ")
        .append(AblationPaper.CITATION)
        .append(".\n\n");
    setup(sb);
    List<Finding> findings = findings();
    sb.append("## Findings\n\n");
    sb.append("| # | Statement | From | Holds? | Evidence |\n|---|---|---|---|---|\n");
    int k = 1;
    for (Finding f : findings) {
      sb.append("| ")
          .append(k++)
          .append(" | ")
          .append(f.claim())
          .append(" | ")
          .append(f.source())
          .append(" | **")
          .append(f.verdict())
          .append("** | ")
          .append(f.evidence())
          .append(" |\n");
    }
    sb.append('\n');
    headline(sb);
    costDefinition(sb);
    uniformExplanation(sb);
    sweep(sb);
    sb.append("## All settings\n\n");
    sb.append("Mean ± sd over seeds after ")
        .append(plan.epochs())
        .append(
            " epochs. Train cost = CCE + (λ/(2n))·Σw², from a full inference pass over the training"
                + " rows after the last epoch; CV cost = CCE on the CV rows. A run that diverged (a"
                + " non-finite loss) stops there and has no final metrics.\n\n");
    sb.append(gridTable());
    auxiliaryTable(sb);
    full(sb);
    small(sb, Phase.SMALL);
    small(sb, Phase.RANDOM);
    figuresSection(sb);
    timing(sb);
    return sb.toString();
  }

  private void setup(StringBuilder sb) {
    sb.append("## Setup\n\n");
    sb.append("- Network: ").append(ctx.network()).append("; biases start at zero.\n");
    sb.append("- Data: ")
        .append(String.format(Locale.ROOT, "%,d", ctx.trainRows()))
        .append(" training rows" + " (rows ")
        .append(plan.trainOffset())
        .append("–")
        .append(plan.trainOffset() + plan.trainRows() - 1)
        .append(" of the training file) and ")
        .append(String.format(Locale.ROOT, "%,d", ctx.cvRows()))
        .append(" cross-validation (CV) rows; mini-batches of ")
        .append(plan.batch())
        .append("; ")
        .append(plan.epochs())
        .append(
            " epochs. Metrics after each epoch come from full inference passes over"
                + " the training and CV rows.\n");
    sb.append("- Optimizers: ")
        .append(
            String.join(
                ", ", plan.optimizers().stream().map(AblationFigures::optimizerLabel).toList()))
        .append(
            " (Momentum β = 0.9 and RMSProp β = 0.999, both bias-corrected; Adam β₁ = 0.9, β₂ ="
                + " 0.999).\n");
    sb.append("- Initialisation: ")
        .append(String.join(" vs ", plan.inits().stream().map(AblationFigures::initLabel).toList()))
        .append(" (He uniform: U[−√(6/fan_in), √(6/fan_in)]).\n");
    sb.append("- L2: cost + (λ/(2n))·Σw² over the weights, n = the batch size, λ ∈ {")
        .append(String.join(", ", plan.lambdas().stream().map(Fmt::num).toList()))
        .append("}.\n");
    sb.append("- Seeds: ")
        .append(String.join(", ", plan.seeds().stream().map(String::valueOf).toList()))
        .append(
            " (initialisation, shuffling and dropout); values are mean ± sample sd over them.\n");
    sb.append("- Learning rates: ");
    List<String> rs = new ArrayList<>();
    for (String o : plan.optimizers()) {
      rs.add(AblationFigures.optimizerLabel(o) + " " + Fmt.num(ctx.rates().get(o)));
    }
    sb.append(String.join(", ", rs))
        .append(
            ctx.ratesFromSweep()
                ? " — each chosen by the sweep below (best CV accuracy with a stability margin)."
                : " — fixed in " + ctx.configName() + " (ablation.lr), not swept in this run.")
        .append('\n');
    sb.append("- Engine: ").append(ctx.engine()).append(".\n\n");
  }

  private void headline(StringBuilder sb) {
    Map<String, AblationPaper.Row> paper = AblationPaper.heLambda0(plan.paper());
    sb.append("## Headline: ")
        .append(AblationFigures.initLabel(init))
        .append(", λ = 0")
        .append(paper.isEmpty() ? "" : ", against the paper")
        .append("\n\n");
    sb.append("| Optimizer | Train cost | CV cost | Train accuracy | CV accuracy |");
    if (!paper.isEmpty())
      sb.append(" Paper train accuracy | Paper CV accuracy | Ours − paper (CV) |");
    sb.append("\n|---|---:|---:|---:|---:|");
    if (!paper.isEmpty()) sb.append("---:|---:|---:|");
    sb.append('\n');
    for (String o : plan.optimizers()) {
      AblationGroup g = AblationGroup.find(groups, Phase.GRID, o, init, 0, 0);
      if (g == null) continue;
      sb.append("| ")
          .append(AblationFigures.optimizerLabel(o))
          .append(" | ")
          .append(finalCells(g))
          .append(" |");
      if (!paper.isEmpty()) {
        AblationPaper.Row p = paper.get(o);
        Stat cv = g.last(e -> e.val().acc());
        sb.append(' ')
            .append(p == null ? "—" : paperNum(p.trainAcc()))
            .append(" | ")
            .append(p == null ? "—" : paperNum(p.cvAcc()))
            .append(" | ")
            .append(p == null || cv.isNaN() ? "—" : signed(cv.mean() - p.cvAcc()))
            .append(" |");
      }
      sb.append('\n');
    }
    sb.append('\n');
  }

  private void costDefinition(StringBuilder sb) {
    AblationPaper.Row sgdPaper = AblationPaper.heLambda0(plan.paper()).get("sgd");
    sb.append("## Which \"cost\" the paper reports\n\n");
    sb.append(
            "Beside the CCE we train on, every evaluation pass also computes the mean per-output"
                + " binary cross-entropy of the softmax outputs (BCE, averaged over the 10 outputs)"
                + " and ½·Σⱼ(yⱼ − pⱼ)² (½SE, summed over the outputs), averaged over rows. Final"
                + " values, ")
        .append(AblationFigures.initLabel(init))
        .append(", λ = 0:\n\n");
    sb.append(
        "| Optimizer | Train CCE | Train BCE | Train ½SE | CV CCE | CV BCE | CV ½SE |\n"
            + "|---|---:|---:|---:|---:|---:|---:|\n");
    for (String o : plan.optimizers()) {
      AblationGroup g = AblationGroup.find(groups, Phase.GRID, o, init, 0, 0);
      if (g == null) continue;
      sb.append("| ")
          .append(AblationFigures.optimizerLabel(o))
          .append(" | ")
          .append(g.last(e -> e.train().cce()).format(4))
          .append(" | ")
          .append(g.last(e -> e.train().bce()).format(4))
          .append(" | ")
          .append(g.last(e -> e.train().halfMse()).format(4))
          .append(" | ")
          .append(g.last(e -> e.val().cce()).format(4))
          .append(" | ")
          .append(g.last(e -> e.val().bce()).format(4))
          .append(" | ")
          .append(g.last(e -> e.val().halfMse()).format(4))
          .append(" |\n");
    }
    sb.append('\n');
    if (sgdPaper != null && !Double.isNaN(sgdPaper.trainCost())) {
      CostMatch m = costMatch(sgdPaper);
      if (m != null) sb.append(m.text()).append("\n\n");
    }
  }

  /** The epoch of our SGD runs closest to the paper's training accuracy, and its three costs. */
  private record CostMatch(String text, String closest) {}

  private CostMatch costMatch(AblationPaper.Row paper) {
    AblationGroup g = AblationGroup.find(groups, Phase.GRID, "sgd", init, 0, 0);
    if (g == null || Double.isNaN(paper.trainAcc())) return null;
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
    final int ep = best;
    double acc = g.at(ep, x -> x.train().acc()).mean();
    double cce = g.at(ep, x -> x.train().cce()).mean();
    double bce = g.at(ep, x -> x.train().bce()).mean();
    double mse = g.at(ep, x -> x.train().halfMse()).mean();
    double c = paper.trainCost();
    String closest = closestName(c, cce, bce, mse);
    double bound = (1 - paper.trainAcc()) * Math.log(2);
    String verdict =
        switch (closest) {
          case "BCE" ->
              "so it most likely averages the cross-entropy over the 10 outputs as well"
                  + " as over the rows";
          case "CCE" -> "which fits a mean CCE despite the bound";
          default ->
              "so it most likely reports a squared error of the outputs, not a" + " cross-entropy";
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
            paperNum(c),
            paperNum(paper.trainAcc()),
            ep,
            acc,
            cce,
            bce,
            mse,
            paperNum(c),
            100 * (1 - paper.trainAcc()),
            bound,
            closest,
            c / (closest.equals("BCE") ? bce : closest.equals("CCE") ? cce : mse),
            verdict);
    return new CostMatch(text, closest);
  }

  private static String closestName(double c, double cce, double bce, double mse) {
    double dc = Math.abs(Math.log(c / cce));
    double db = Math.abs(Math.log(c / bce));
    double dm = Math.abs(Math.log(c / mse));
    if (db <= dc && db <= dm) return "BCE";
    return dc <= dm ? "CCE" : "½SE";
  }

  private void uniformExplanation(StringBuilder sb) {
    if (!plan.inits().contains("uniform")) return;
    double[] u = initNorms("uniform");
    double[] h = initNorms(init);
    if (u == null || h == null || init.equals("uniform")) return;
    sb.append("## Why U[-1,1] behaves differently\n\n");
    sb.append(
            "With U[-1,1] every weight has variance 1/3, so each layer multiplies the scale of its"
                + " input by roughly √(fan_in/3) (about 16 for the 784 inputs and 6.5 for 128"
                + " units); He uniform (variance 2/fan_in) keeps it near 1. After five layers the"
                + " U[-1,1] logits are thousands of units apart, the softmax is saturated (a"
                + " confident one-hot guess), and the CCE of a wrong guess is the logit gap itself."
                + " The mean initial training CCE is ")
        .append(fmt(meanInitialCce("uniform")))
        .append(" for U[-1,1] against ")
        .append(fmt(meanInitialCce(init)))
        .append(" for He uniform (ln 10 = 2.30 is a uniform guess).\n\n");
    sb.append(
        "The gradient at the initial weights is correspondingly large (norm of the mean gradient of"
            + " the first mini-batch, mean over runs; `figures/grad-norms-init.png`):\n\n");
    sb.append("| Layer |");
    for (int l = 0; l < u.length; l++) sb.append(' ').append(l + 1).append(" |");
    sb.append("\n|---|");
    for (int l = 0; l < u.length; l++) sb.append("---:|");
    sb.append("\n| U[-1,1] |");
    for (double v : u) sb.append(' ').append(fmt(v)).append(" |");
    sb.append("\n| ").append(AblationFigures.initLabel(init)).append(" |");
    for (double v : h) sb.append(' ').append(fmt(v)).append(" |");
    sb.append("\n| ratio |");
    for (int l = 0; l < u.length; l++) sb.append(' ').append(fmt(u[l] / h[l])).append("× |");
    sb.append("\n\n");
    sb.append(
        "A fixed-step optimizer (SGD, Momentum) moves the weights by lr × gradient, so with the"
            + " rate that suits He uniform its first steps are larger by about the ratio in the"
            + " table; adaptive optimizers (RMSProp, Adam) divide by the running gradient scale, so"
            + " their step is about lr whatever the gradient's size, and they can work their way"
            + " out of the saturated regime. Per optimizer, U[-1,1]:\n\n");
    sb.append(
        "| Optimizer | λ | Runs that learned (CV ≥ 20%) | Diverged | CV accuracy | First epoch with"
            + " mean CV ≥ 20% |\n"
            + "|---|---:|---:|---:|---:|---:|\n");
    for (String o : plan.optimizers()) {
      for (double l : plan.lambdas()) {
        AblationGroup g = AblationGroup.find(groups, Phase.GRID, o, "uniform", l, 0);
        if (g == null) continue;
        int first = g.firstLearnedEpoch();
        sb.append("| ")
            .append(AblationFigures.optimizerLabel(o))
            .append(" | ")
            .append(Fmt.num(l))
            .append(" | ")
            .append(g.learned())
            .append('/')
            .append(g.runs().size())
            .append(" | ")
            .append(g.diverged())
            .append('/')
            .append(g.runs().size())
            .append(" | ")
            .append(finalOrDiverged(g, e -> e.val().acc()))
            .append(" | ")
            .append(first == 0 ? "—" : first)
            .append(" |\n");
      }
    }
    sb.append('\n');
  }

  private double[] initNorms(String i) {
    List<AblationResult> rs =
        results.stream()
            .filter(r -> r.cell().phase() == Phase.GRID && r.cell().init().equals(i))
            .toList();
    if (rs.isEmpty()) return null;
    int n = rs.get(0).initial().gradNorms().length;
    double[] m = new double[n];
    for (int l = 0; l < n; l++) {
      final int li = l;
      m[l] = Stat.of(rs.stream().map(r -> r.initial().gradNorms()[li]).toList()).mean();
    }
    return m;
  }

  private double meanInitialCce(String i) {
    return Stat.of(
            results.stream()
                .filter(r -> r.cell().phase() == Phase.GRID && r.cell().init().equals(i))
                .map(r -> r.initial().train().cce())
                .toList())
        .mean();
  }

  private void sweep(StringBuilder sb) {
    List<AblationGroup> sw = groups.stream().filter(g -> g.phase() == Phase.SWEEP).toList();
    if (sw.isEmpty()) return;
    sb.append("## Learning-rate sweep\n\n");
    sb.append("He uniform, λ = 0, seed ")
        .append(plan.seeds().get(0))
        .append(", ")
        .append(epochs(plan.sweepEpochs()))
        .append(", CV accuracy at the end")
        .append(
            ctx.ratesFromSweep()
                ? "; per optimizer, the rate in bold is used for every later run: the best one"
                      + " among the rates whose next larger rate also trained without diverging (a"
                      + " factor-3 margin, because a rate at the edge of stability can look best"
                      + " after a few epochs and diverge in a full-length run)"
                : "; for information only: the grid uses the rates of the config")
        .append(".\n\n");
    sb.append("| Optimizer |");
    for (double r : plan.sweepRates()) sb.append(' ').append(Fmt.num(r)).append(" |");
    sb.append("\n|---|");
    for (int i = 0; i < plan.sweepRates().size(); i++) sb.append("---:|");
    sb.append('\n');
    for (String o : plan.optimizers()) {
      sb.append("| ").append(AblationFigures.optimizerLabel(o)).append(" |");
      for (double r : plan.sweepRates()) {
        AblationGroup g =
            sw.stream()
                .filter(x -> x.optimizer().equals(o) && x.lr() == r)
                .findFirst()
                .orElse(null);
        String v = g == null ? "—" : finalOrDiverged(g, e -> e.val().acc());
        boolean chosen = ctx.ratesFromSweep() && ctx.rates().get(o) == r;
        sb.append(' ').append(chosen ? "**" + v + "**" : v).append(" |");
      }
      sb.append('\n');
    }
    sb.append('\n');
  }

  private void auxiliaryTable(StringBuilder sb) {
    sb.append("### BCE and ½SE of every setting\n\n");
    sb.append(
        "| Init | λ | Optimizer | Train BCE | Train ½SE | CV BCE | CV ½SE |\n"
            + "|---|---:|---|---:|---:|---:|---:|\n");
    for (String i : plan.inits()) {
      for (double l : plan.lambdas()) {
        for (String o : plan.optimizers()) {
          AblationGroup g = AblationGroup.find(groups, Phase.GRID, o, i, l, 0);
          if (g == null) continue;
          sb.append("| ")
              .append(AblationFigures.initLabel(i))
              .append(" | ")
              .append(Fmt.num(l))
              .append(" | ")
              .append(AblationFigures.optimizerLabel(o))
              .append(" | ")
              .append(finalOrDiverged(g, e -> e.train().bce()))
              .append(" | ")
              .append(finalOrDiverged(g, e -> e.train().halfMse()))
              .append(" | ")
              .append(finalOrDiverged(g, e -> e.val().bce()))
              .append(" | ")
              .append(finalOrDiverged(g, e -> e.val().halfMse()))
              .append(" |\n");
        }
      }
    }
    sb.append('\n');
  }

  private void full(StringBuilder sb) {
    List<AblationGroup> fg = groups.stream().filter(g -> g.phase() == Phase.FULL).toList();
    if (fg.isEmpty()) return;
    AblationPlan.FullData f = plan.full();
    sb.append("## Extension: the full training set, scored on the test set\n\n");
    sb.append(
        String.format(
            Locale.ROOT,
            "%,d training rows, %,d test rows, %s, %s, λ = %s. The test set is evaluated after"
                + " every epoch for the curve, but nothing is chosen by it (no early stopping): the"
                + " reported value is the last epoch's.%n%n",
            ctx.fullRows(),
            ctx.testRows(),
            epochs(f.epochs()),
            AblationFigures.initLabel(f.init()),
            Fmt.num(f.lambda())));
    sb.append(
        "| Optimizer | Learning rate | Train accuracy | Test accuracy | Test CCE | Runs |\n"
            + "|---|---:|---:|---:|---:|---|\n");
    for (AblationGroup g : fg) {
      sb.append("| ")
          .append(AblationFigures.optimizerLabel(g.optimizer()))
          .append(" | ")
          .append(Fmt.num(g.lr()))
          .append(" | ")
          .append(finalOrDiverged(g, e -> e.train().acc()))
          .append(" | ")
          .append(finalOrDiverged(g, e -> e.val().acc()))
          .append(" | ")
          .append(finalOrDiverged(g, e -> e.val().cce()))
          .append(" | ")
          .append(g.runsNote())
          .append(" |\n");
    }
    sb.append('\n');
  }

  private void small(StringBuilder sb, Phase phase) {
    List<AblationGroup> sg = groups.stream().filter(g -> g.phase() == phase).toList();
    if (sg.isEmpty()) return;
    AblationPlan.SmallSample s = plan.small();
    boolean random = phase == Phase.RANDOM;
    sb.append(
        random
            ? "## Extension: random labels, where only memorisation is possible\n\n"
            : "## Extension: a small sample, where regularization has something to do\n\n");
    sb.append(
        String.format(
            Locale.ROOT,
            random
                ? "The same %,d rows%s with their labels randomly permuted, so that nothing"
                    + " generalises and any training accuracy above 10%% is memorisation; %d epochs"
                    + " (%s, %s, learning rate %s), scored on the same %,d CV rows (true"
                    + " labels).%n%n"
                : "The paper notes that its 10,000-row training sets did not overfit, so L2 had"
                    + " nothing to correct. Here the network trains on only the first %,d training"
                    + " rows%s for %d epochs (%s, %s, learning rate %s), and is scored on the same"
                    + " %,d CV rows.%n%n",
            s.rows(),
            "",
            s.epochs(),
            AblationFigures.optimizerLabel(s.optimizer()),
            AblationFigures.initLabel(s.init()),
            Fmt.num(ctx.rates().get(s.optimizer())),
            ctx.cvRows()));
    sb.append(
        "| Regularizer | Train accuracy | CV accuracy | Train − CV | CV CCE | Runs |\n"
            + "|---|---:|---:|---:|---:|---|\n");
    for (AblationGroup g : sg) {
      sb.append("| ")
          .append(AblationFigures.variant(g))
          .append(" | ")
          .append(finalOrDiverged(g, e -> e.train().acc()))
          .append(" | ")
          .append(finalOrDiverged(g, e -> e.val().acc()))
          .append(" | ")
          .append(g.gap().format(4))
          .append(" | ")
          .append(finalOrDiverged(g, e -> e.val().cce()))
          .append(" | ")
          .append(g.runsNote())
          .append(" |\n");
    }
    sb.append('\n');
  }

  private void figuresSection(StringBuilder sb) {
    if (figures.isEmpty()) return;
    sb.append("## Figures\n\n");
    for (AblationFigures.Figure f : figures) {
      sb.append("**")
          .append(f.caption())
          .append("**\n\n![")
          .append(f.caption())
          .append("](")
          .append(f.file())
          .append(")\n\n");
    }
  }

  private void timing(StringBuilder sb) {
    double sum = results.stream().mapToDouble(AblationResult::seconds).sum();
    sb.append("## Timing\n\n");
    sb.append(
        String.format(
            Locale.ROOT,
            "%d runs; their training and evaluation took %s in total (the sum of the per-run"
                + " wall-clock times in `cells/*/result.json`, on %d cores shared with other"
                + " work).",
            results.size(),
            duration(sum),
            Runtime.getRuntime().availableProcessors()));
    for (Phase p : Phase.values()) {
      List<AblationResult> rs = results.stream().filter(r -> r.cell().phase() == p).toList();
      if (rs.isEmpty()) continue;
      sb.append(
          String.format(
              Locale.ROOT,
              " %s: %d %s, %s.",
              p.label,
              rs.size(),
              rs.size() == 1 ? "run" : "runs",
              duration(rs.stream().mapToDouble(AblationResult::seconds).sum())));
    }
    int trained = results.size() - ctx.reused();
    sb.append(
        trained == 0
            ? " This report was written from the finished runs without training any.\n"
            : String.format(
                Locale.ROOT,
                " The invocation that wrote this report trained %d of them in %s of wall-clock"
                    + " time.%n",
                trained,
                duration(ctx.wallSeconds())));
  }

  // ---------------------------------------------------------------- findings

  List<Finding> findings() {
    List<Finding> out = new ArrayList<>();
    Map<String, AblationPaper.Row> paper = AblationPaper.heLambda0(plan.paper());
    boolean hasUniform = plan.inits().contains("uniform");
    boolean hasHe = plan.inits().contains("he_uniform");
    boolean hasZero = plan.lambdas().contains(0.0);

    if (!paper.isEmpty() && hasHe && hasZero) out.add(atLeastPaper(paper));
    if (hasUniform) out.add(uniformNearChance());
    if (plan.full().epochs() > 0 && plan.full().target() > 0) out.add(fullTarget());
    if (hasUniform && !plan.paper().equals("none")) out.add(paperUniform());
    if (hasHe) out.add(heLearns());
    if (hasHe
        && hasZero
        && plan.optimizers().containsAll(List.of("rmsprop", "adam"))
        && plan.optimizers().size() > 2) {
      out.add(fastestEarly());
    }
    if (hasHe && plan.optimizers().contains("rmsprop")) out.add(spikes());
    if (hasHe && plan.lambdas().size() > 1) out.add(lambdaNoDifference());
    if (!paper.isEmpty() && hasHe && hasZero) out.add(bestOptimizer(paper));
    AblationPaper.Row sgd = paper.get("sgd");
    if (sgd != null && !Double.isNaN(sgd.trainCost()) && hasHe && hasZero) {
      CostMatch m = costMatch(sgd);
      if (m != null) {
        out.add(
            new Finding(
                "The paper's cost column is the mean categorical cross-entropy",
                "paper (implied)",
                m.closest().equals("CCE") ? "holds" : "does not hold",
                "paper: "
                    + paperNum(sgd.trainCost())
                    + " (SGD); the closest of our definitions is "
                    + m.closest()
                    + " (see “Which cost the paper reports”)"));
      }
    }
    for (Phase p : List.of(Phase.SMALL, Phase.RANDOM)) {
      if (groups.stream().anyMatch(g -> g.phase() == p)) out.add(smallMatters(p));
    }
    return out;
  }

  private Finding atLeastPaper(Map<String, AblationPaper.Row> paper) {
    List<String> ev = new ArrayList<>();
    boolean all = true;
    for (String o : plan.optimizers()) {
      AblationPaper.Row p = paper.get(o);
      AblationGroup g = AblationGroup.find(groups, Phase.GRID, o, "he_uniform", 0, 0);
      if (p == null || g == null) continue;
      Stat cv = g.last(e -> e.val().acc());
      boolean ok = !cv.isNaN() && cv.mean() >= p.cvAcc();
      all &= ok;
      ev.add(AblationFigures.optimizerLabel(o) + " " + cv.format(4) + " vs " + paperNum(p.cvAcc()));
    }
    String claim =
        "With He uniform and λ = 0 every optimizer reaches at least the paper's CV accuracy";
    if (ev.isEmpty()) return notRun(claim, "expected");
    return new Finding(
        claim,
        "expected",
        all ? "holds" : "does not hold",
        "CV accuracy, ours vs paper: " + String.join("; ", ev));
  }

  private Finding uniformNearChance() {
    List<AblationResult> u = gridRuns("uniform");
    if (u.isEmpty()) return notRun("With U[-1,1] most runs stay near chance", "expected");
    long near = u.stream().filter(r -> !(r.valAcc() >= AblationGroup.LEARNED)).count();
    long div = u.stream().filter(AblationResult::isDiverged).count();
    double[] un = initNorms("uniform");
    double[] hn = initNorms(init);
    String norms =
        un == null || hn == null || init.equals("uniform")
            ? ""
            : String.format(
                Locale.ROOT,
                "; at initialisation the layer-1 gradient norm is %s under U[-1,1] vs %s under %s"
                    + " (%s×)",
                fmt(un[0]),
                fmt(hn[0]),
                AblationFigures.initLabel(init),
                fmt(un[0] / hn[0]));
    List<String> per = new ArrayList<>();
    for (String o : plan.optimizers()) {
      long n = u.stream().filter(r -> r.cell().optimizer().equals(o)).count();
      long l =
          u.stream()
              .filter(r -> r.cell().optimizer().equals(o) && r.valAcc() >= AblationGroup.LEARNED)
              .count();
      long d = u.stream().filter(r -> r.cell().optimizer().equals(o) && r.isDiverged()).count();
      per.add(
          AblationFigures.optimizerLabel(o)
              + " "
              + l
              + "/"
              + n
              + " learned"
              + (d > 0 ? ", " + d + " diverged" : ""));
    }
    return new Finding(
        "With U[-1,1] most runs stay near chance (CV accuracy < 20%)",
        "expected",
        2 * near > u.size() ? "holds" : "does not hold",
        near
            + " of "
            + u.size()
            + " U[-1,1] runs ended below 20% CV accuracy or diverged ("
            + div
            + " diverged); "
            + String.join(", ", per)
            + norms);
  }

  private Finding fullTarget() {
    AblationPlan.FullData f = plan.full();
    AblationGroup g =
        groups.stream()
            .filter(x -> x.phase() == Phase.FULL && x.optimizer().equals(f.targetOptimizer()))
            .findFirst()
            .orElse(null);
    Stat acc = g == null ? new Stat(Double.NaN, Double.NaN, 0) : g.last(e -> e.val().acc());
    boolean ok = g != null && g.diverged() == 0 && acc.mean() >= f.target();
    String claim =
        String.format(
            Locale.ROOT,
            "Training on all %,d rows (%s, %s) reaches ≥ %.1f%% test accuracy",
            ctx.fullRows(),
            AblationFigures.initLabel(f.init()),
            AblationFigures.optimizerLabel(f.targetOptimizer()),
            100 * f.target());
    if (g == null) return notRun(claim, "expected");
    return new Finding(
        claim,
        "expected",
        ok ? "holds" : "does not hold",
        "test accuracy " + acc.percent(2) + " after " + epochs(f.epochs()));
  }

  private Finding paperUniform() {
    List<String> learned = new ArrayList<>();
    int groupsLearned = 0;
    int total = 0;
    for (AblationGroup g : groups) {
      if (g.phase() != Phase.GRID || !g.init().equals("uniform")) continue;
      total++;
      if (g.learned() > 0) {
        groupsLearned++;
        Stat cv = g.last(e -> e.val().acc());
        learned.add(
            AblationFigures.optimizerLabel(g.optimizer())
                + " λ="
                + Fmt.num(g.lambda())
                + " ("
                + g.learned()
                + "/"
                + g.runs().size()
                + " runs, CV "
                + cv.format(3)
                + ")");
      }
    }
    String verdict =
        groupsLearned == 0 ? "holds" : 2 * groupsLearned < total ? "partly" : "does not hold";
    if (total == 0)
      return notRun("U[-1,1]: " + AblationPaper.uniformFinding(plan.paper()), "paper");
    return new Finding(
        "U[-1,1]: " + AblationPaper.uniformFinding(plan.paper()),
        "paper",
        verdict,
        groupsLearned == 0
            ? "no U[-1,1] setting reached 20% CV accuracy"
            : groupsLearned
                + " of "
                + total
                + " U[-1,1] settings learned: "
                + String.join(", ", learned));
  }

  private Finding heLearns() {
    List<AblationResult> h = gridRuns("he_uniform");
    if (h.isEmpty()) return notRun("With He uniform every optimizer and λ learned", "paper");
    long ok = h.stream().filter(r -> r.valAcc() >= AblationGroup.LEARNED).count();
    Stat cv = Stat.of(h.stream().map(AblationResult::valAcc).toList());
    double min =
        h.stream()
            .mapToDouble(AblationResult::valAcc)
            .filter(d -> !Double.isNaN(d))
            .min()
            .orElse(Double.NaN);
    return new Finding(
        "With He uniform every optimizer and λ learned",
        "paper",
        ok == h.size() ? "holds" : "does not hold",
        ok
            + " of "
            + h.size()
            + " He-uniform runs reached ≥ 20% CV accuracy; lowest final CV accuracy "
            + fmt4(min)
            + ", mean "
            + fmt4(cv.mean()));
  }

  private Finding fastestEarly() {
    List<Object[]> e1 = new ArrayList<>();
    for (String o : plan.optimizers()) {
      AblationGroup g = AblationGroup.find(groups, Phase.GRID, o, "he_uniform", 0, 0);
      if (g == null) continue;
      e1.add(new Object[] {o, g.at(1, e -> e.train().acc()).mean()});
    }
    if (e1.size() < 2) return notRun("RMSProp and Adam converge fastest early on", "paper");
    e1.sort(Comparator.comparingDouble((Object[] a) -> -(Double) a[1]));
    boolean holds =
        e1.size() >= 2
            && List.of("rmsprop", "adam").contains((String) e1.get(0)[0])
            && List.of("rmsprop", "adam").contains((String) e1.get(1)[0]);
    List<String> ev = new ArrayList<>();
    for (Object[] a : e1)
      ev.add(AblationFigures.optimizerLabel((String) a[0]) + " " + fmt4((Double) a[1]));
    return new Finding(
        "RMSProp and Adam converge fastest early on",
        "paper",
        holds ? "holds" : "does not hold",
        "training accuracy after epoch 1 (He uniform, λ = 0), highest first: "
            + String.join(", ", ev));
  }

  private Finding spikes() {
    List<String> ev = new ArrayList<>();
    int rms = 0;
    int otherMax = 0;
    for (String o : plan.optimizers()) {
      int count = 0;
      int runs = 0;
      double worst = 1;
      for (AblationResult r : gridRuns("he_uniform")) {
        if (!r.cell().optimizer().equals(o)) continue;
        runs++;
        List<AblationResult.Epoch> h = r.history();
        for (int i = 1; i < h.size(); i++) {
          double ratio = h.get(i).trainCost() / h.get(i - 1).trainCost();
          boolean visible = h.get(i).trainCost() - h.get(i - 1).trainCost() > SPIKE_MIN;
          if (ratio > SPIKE && visible) count++;
          if (ratio > worst && visible) worst = ratio;
        }
      }
      if (o.equals("rmsprop")) {
        rms = count;
      } else {
        otherMax = Math.max(otherMax, count);
      }
      ev.add(
          String.format(
              Locale.ROOT,
              "%s %d in %d runs (largest rise ×%.2f)",
              AblationFigures.optimizerLabel(o),
              count,
              runs,
              worst));
    }
    boolean holds = rms > 0 && rms > otherMax;
    if (gridRuns("he_uniform").stream().noneMatch(r -> r.cell().optimizer().equals("rmsprop"))) {
      return notRun("RMSProp shows large periodic spikes in the cost", "paper");
    }
    return new Finding(
        "RMSProp shows large periodic spikes in the cost",
        "paper",
        holds ? "holds" : rms > 0 ? "partly" : "does not hold",
        String.format(
                Locale.ROOT,
                "epochs whose full-pass training cost rose more than ×%.1f (and by more than"
                    + " %.2f) over the previous epoch, He uniform, all λ: ",
                SPIKE,
                SPIKE_MIN)
            + String.join("; ", ev)
            + ". Spikes within an epoch are not visible in per-epoch passes");
  }

  private Finding lambdaNoDifference() {
    List<Double> ls = AblationFigures.gapLambdas(plan);
    double lo = ls.get(0);
    double hi = ls.get(ls.size() - 1);
    List<String> ev = new ArrayList<>();
    boolean visible = false;
    for (String o : plan.optimizers()) {
      AblationGroup a = AblationGroup.find(groups, Phase.GRID, o, "he_uniform", lo, 0);
      AblationGroup b = AblationGroup.find(groups, Phase.GRID, o, "he_uniform", hi, 0);
      if (a == null || b == null) continue;
      Stat ga = a.gap();
      Stat gb = b.gap();
      Stat ca = a.last(e -> e.val().acc());
      Stat cb = b.last(e -> e.val().acc());
      double dCv = cb.mean() - ca.mean();
      double dGap = gb.mean() - ga.mean();
      if (Math.abs(dCv) >= VISIBLE || Math.abs(dGap) >= VISIBLE || Double.isNaN(dCv))
        visible = true;
      ev.add(
          String.format(
              Locale.ROOT,
              "%s: gap %s → %s, CV %s → %s",
              AblationFigures.optimizerLabel(o),
              ga.format(4),
              gb.format(4),
              ca.format(4),
              cb.format(4)));
    }
    if (ev.isEmpty()) {
      return notRun("λ makes no visible difference to generalization (He uniform)", "paper");
    }
    return new Finding(
        "λ makes no visible difference to generalization (He uniform)",
        "paper",
        visible ? "does not hold" : "holds",
        String.format(
                Locale.ROOT,
                "λ = %s → %s, final train − CV gap and CV accuracy (a change of ≥ %.0f point"
                    + " counts as visible): ",
                Fmt.num(lo),
                Fmt.num(hi),
                100 * VISIBLE)
            + String.join("; ", ev));
  }

  private Finding bestOptimizer(Map<String, AblationPaper.Row> paper) {
    String paperBest = null;
    for (Map.Entry<String, AblationPaper.Row> e : paper.entrySet()) {
      if (paperBest == null || e.getValue().cvAcc() > paper.get(paperBest).cvAcc())
        paperBest = e.getKey();
    }
    String ours = null;
    double oursAcc = Double.NEGATIVE_INFINITY;
    List<String> ev = new ArrayList<>();
    for (String o : plan.optimizers()) {
      AblationGroup g = AblationGroup.find(groups, Phase.GRID, o, "he_uniform", 0, 0);
      if (g == null) continue;
      double m = g.last(e -> e.val().acc()).mean();
      if (m > oursAcc) {
        oursAcc = m;
        ours = o;
      }
    }
    String claim =
        "The best optimizer on CV (He uniform, λ = 0) is "
            + AblationFigures.optimizerLabel(paperBest);
    if (ours == null) return notRun(claim, "paper");
    return new Finding(
        claim,
        "paper",
        paperBest.equals(ours) ? "holds" : "does not hold",
        "ours: "
            + (ours == null
                ? "—"
                : AblationFigures.optimizerLabel(ours) + " (" + fmt4(oursAcc) + ")")
            + "; paper: "
            + AblationFigures.optimizerLabel(paperBest)
            + " ("
            + paperNum(paper.get(paperBest).cvAcc())
            + ")");
  }

  private Finding smallMatters(Phase phase) {
    List<AblationGroup> sg = groups.stream().filter(g -> g.phase() == phase).toList();
    AblationGroup base =
        sg.stream().filter(g -> g.lambda() == 0 && g.dropout() == 0).findFirst().orElse(null);
    List<String> ev = new ArrayList<>();
    boolean any = false;
    Stat b = base == null ? null : base.gap();
    if (b != null)
      ev.add(
          "no regularizer: gap " + b.format(4) + ", CV " + base.last(e -> e.val().acc()).format(4));
    for (AblationGroup g : sg) {
      if (g == base) continue;
      Stat s = g.gap();
      String what =
          AblationFigures.variant(g)
              + ": gap "
              + s.format(4)
              + ", CV "
              + g.last(e -> e.val().acc()).format(4);
      if (b != null && !s.isNaN() && !b.isNaN()) {
        double d = s.mean() - b.mean();
        double noise = 2 * Math.max(s.sd(), b.sd());
        boolean vis = Math.abs(d) >= Math.max(VISIBLE, noise);
        any |= vis;
        what +=
            String.format(Locale.ROOT, " (%s point%s)", signedPoints(d), vis ? ", visible" : "");
      }
      ev.add(what);
    }
    return new Finding(
        String.format(
            Locale.ROOT,
            "On %,d training rows%s, L2 or dropout visibly changes the train − CV gap",
            plan.small().rows(),
            phase == Phase.RANDOM ? " with random labels" : ""),
        "extension",
        any ? "holds" : "does not hold",
        String.join("; ", ev)
            + String.format(
                Locale.ROOT, " (visible: at least %.0f point and 2 sd)", 100 * VISIBLE));
  }

  /** A statement whose runs have not finished (a partial study, or --report-only). */
  private static Finding notRun(String claim, String source) {
    return new Finding(claim, source, "not run", "no finished runs for this comparison yet");
  }

  private List<AblationResult> gridRuns(String i) {
    return results.stream()
        .filter(r -> r.cell().phase() == Phase.GRID && r.cell().init().equals(i))
        .toList();
  }

  static String epochs(int n) {
    return n + (n == 1 ? " epoch" : " epochs");
  }

  /** "45s", "12m05s", "1h02m". */
  static String duration(double s) {
    if (!(s >= 0) || Double.isInfinite(s)) return "?";
    long t = Math.round(s);
    if (t < 60) return t + "s";
    if (t < 3600) return (t / 60) + "m" + String.format(Locale.ROOT, "%02d", t % 60) + "s";
    return (t / 3600) + "h" + String.format(Locale.ROOT, "%02d", (t % 3600) / 60) + "m";
  }

  private static String fmt(double v) {
    if (Double.isNaN(v)) return "—";
    double a = Math.abs(v);
    if (a >= 1000 || (a < 0.01 && a != 0)) return String.format(Locale.ROOT, "%.3g", v);
    if (a >= 100) return String.format(Locale.ROOT, "%.0f", v);
    return String.format(Locale.ROOT, "%.3g", v);
  }

  private static String fmt4(double v) {
    return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.4f", v);
  }

  private static String signed(double v) {
    return String.format(Locale.ROOT, "%+.4f", v);
  }

  private static String signedPoints(double v) {
    return String.format(Locale.ROOT, "%+.1f", 100 * v);
  }

  /** Final train cost, CV cost, train accuracy and CV accuracy of a group, as table cells. */
  private static String finalCells(AblationGroup g) {
    return finalOrDiverged(g, AblationResult.Epoch::trainCost) + " | " + finalOrDiverged(g, e -> e.val().cce())
        + " | " + finalOrDiverged(g, e -> e.train().acc()) + " | " + finalOrDiverged(g, e -> e.val().acc());
  }
}

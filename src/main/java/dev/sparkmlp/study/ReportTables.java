package dev.sparkmlp.study;

import dev.sparkmlp.study.AblationPlan.Phase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/** The report's Markdown tables, each computed from the grouped results. */
final class ReportTables {
  /** A final metric of a group as a column: its header and the epoch value it averages. */
  record Col(String header, ToDoubleFunction<AblationResult.Epoch> f) {}

  static final Col TRAIN_COST = new Col("Train cost", AblationResult.Epoch::trainCost);
  static final Col CV_COST = new Col("CV cost", e -> e.val().cce());
  static final Col TRAIN_ACC = new Col("Train accuracy", e -> e.train().acc());
  static final Col CV_ACC = new Col("CV accuracy", e -> e.val().acc());
  static final List<Col> FINAL = List.of(TRAIN_COST, CV_COST, TRAIN_ACC, CV_ACC);

  private ReportTables() {}

  /** Column headers of cols. */
  private static String[] headers(List<Col> cols) {
    return cols.stream().map(Col::header).toArray(String[]::new);
  }

  /** Each column's final mean ± sd of g, or "diverged". */
  private static List<String> finals(AblationGroup g, List<Col> cols) {
    return cols.stream().map(c -> g.finalOrDiverged(c.f())).toList();
  }

  private static List<Object> cells(Object first, List<String> middle, Object... rest) {
    List<Object> row = new ArrayList<>();
    row.add(first);
    row.addAll(middle);
    row.addAll(List.of(rest));
    return row;
  }

  /** The paper's table format: one block per init and lambda, the paper's numbers beside ours. */
  static String grid(ReportData d) {
    Map<String, AblationPaper.Row> paper = AblationPaper.heLambda0(d.plan.paper());
    StringBuilder sb = new StringBuilder();
    for (String i : d.plan.inits()) {
      for (double l : d.plan.lambdas()) {
        sb.append("### ").append(Labels.init(i)).append(", λ = ").append(Fmt.num(l)).append("\n\n");
        boolean withPaper = !paper.isEmpty() && i.equals("he_uniform") && l == 0;
        MdTable t = new MdTable().left("Optimizer").right(headers(FINAL)).right("Train − CV");
        t.left("Runs");
        if (withPaper) t.right("Paper train cost", "Paper train accuracy", "Paper CV accuracy");
        for (String o : d.plan.optimizers()) {
          AblationGroup g = d.grid(o, i, l);
          if (g == null) continue;
          List<Object> row = cells(Labels.optimizer(o), finals(g, FINAL), g.gap().format(4));
          row.add(g.runsNote());
          if (withPaper) {
            AblationPaper.Row p = paper.get(o);
            row.add(p == null ? "—" : Fmt.paper(p.trainCost()));
            row.add(p == null ? "—" : Fmt.paper(p.trainAcc()));
            row.add(p == null ? "—" : Fmt.paper(p.cvAcc()));
          }
          t.row(row);
        }
        sb.append(t).append('\n');
      }
    }
    return sb.toString();
  }

  /** Working init, lambda 0, with the paper's accuracies and our difference from its CV. */
  static String headline(ReportData d) {
    Map<String, AblationPaper.Row> paper = AblationPaper.heLambda0(d.plan.paper());
    MdTable t = new MdTable().left("Optimizer").right(headers(FINAL));
    if (!paper.isEmpty()) {
      t.right("Paper train accuracy", "Paper CV accuracy", "Ours − paper (CV)");
    }
    for (String o : d.plan.optimizers()) {
      AblationGroup g = d.grid(o, d.init, 0);
      if (g == null) continue;
      List<Object> row = cells(Labels.optimizer(o), finals(g, FINAL));
      if (!paper.isEmpty()) {
        AblationPaper.Row p = paper.get(o);
        Stat cv = g.last(CV_ACC.f());
        row.add(p == null ? "—" : Fmt.paper(p.trainAcc()));
        row.add(p == null ? "—" : Fmt.paper(p.cvAcc()));
        row.add(p == null || cv.isNaN() ? "—" : Fmt.signed(cv.mean() - p.cvAcc()));
      }
      t.row(row);
    }
    return t.toString();
  }

  private static final List<Col> COSTS =
      List.of(
          new Col("Train CCE", e -> e.train().cce()),
          new Col("Train BCE", e -> e.train().bce()),
          new Col("Train ½SE", e -> e.train().halfMse()),
          new Col("CV CCE", e -> e.val().cce()),
          new Col("CV BCE", e -> e.val().bce()),
          new Col("CV ½SE", e -> e.val().halfMse()));

  /** The three cost definitions, final values, working init, lambda 0. */
  static String costs(ReportData d) {
    MdTable t = new MdTable().left("Optimizer").right(headers(COSTS));
    for (String o : d.plan.optimizers()) {
      AblationGroup g = d.grid(o, d.init, 0);
      if (g == null) continue;
      t.row(cells(Labels.optimizer(o), COSTS.stream().map(c -> g.last(c.f()).format(4)).toList()));
    }
    return t.toString();
  }

  /** BCE and half SE of every grid setting. */
  static String auxiliary(ReportData d) {
    List<Col> cols = List.of(COSTS.get(1), COSTS.get(2), COSTS.get(4), COSTS.get(5));
    MdTable t = new MdTable().left("Init").right("λ").left("Optimizer").right(headers(cols));
    for (String i : d.plan.inits()) {
      for (double l : d.plan.lambdas()) {
        for (String o : d.plan.optimizers()) {
          AblationGroup g = d.grid(o, i, l);
          if (g == null) continue;
          List<Object> row = cells(Labels.init(i), List.of(Fmt.num(l), Labels.optimizer(o)));
          row.addAll(finals(g, cols));
          t.row(row);
        }
      }
    }
    return t.toString();
  }

  /** Per optimizer and lambda, how the U[-1,1] runs fared. */
  static String uniformRuns(ReportData d) {
    String learned = "CV ≥ " + Fmt.percent(AblationGroup.LEARNED);
    MdTable t =
        new MdTable()
            .left("Optimizer")
            .right("λ", "Runs that learned (" + learned + ")", "Diverged", "CV accuracy")
            .right("First epoch with mean " + learned);
    for (String o : d.plan.optimizers()) {
      for (double l : d.plan.lambdas()) {
        AblationGroup g = d.grid(o, "uniform", l);
        if (g == null) continue;
        int first = g.firstLearnedEpoch();
        int n = g.runs().size();
        t.row(
            Labels.optimizer(o),
            Fmt.num(l),
            g.learned() + "/" + n,
            g.diverged() + "/" + n,
            g.finalOrDiverged(CV_ACC.f()),
            first == 0 ? "—" : first);
      }
    }
    return t.toString();
  }

  /** The initial gradient norm per layer under U[-1,1] and the working init, and their ratio. */
  static String initNorms(ReportData d, double[] u, double[] h) {
    MdTable t = new MdTable().left("Layer");
    for (int l = 0; l < u.length; l++) t.right(String.valueOf(l + 1));
    t.row(row(Labels.init("uniform"), u, Fmt::sig3));
    t.row(row(Labels.init(d.init), h, Fmt::sig3));
    double[] ratio = new double[u.length];
    for (int l = 0; l < u.length; l++) ratio[l] = u[l] / h[l];
    t.row(row("ratio", ratio, v -> Fmt.sig3(v) + "×"));
    return t.toString();
  }

  private static List<Object> row(String first, double[] v, Function<Double, String> f) {
    List<Object> row = new ArrayList<>(List.of(first));
    for (double x : v) row.add(f.apply(x));
    return row;
  }

  /** Final CV accuracy per optimizer and swept rate; the chosen rate in bold. */
  static String sweep(ReportData d) {
    List<AblationGroup> sw = d.phase(Phase.SWEEP);
    MdTable t = new MdTable().left("Optimizer");
    for (double r : d.plan.sweepRates()) t.right(Fmt.num(r));
    for (String o : d.plan.optimizers()) {
      List<Object> row = new ArrayList<>(List.of(Labels.optimizer(o)));
      for (double r : d.plan.sweepRates()) {
        AblationGroup g =
            sw.stream()
                .filter(x -> x.optimizer().equals(o) && x.lr() == r)
                .findFirst()
                .orElse(null);
        String v = g == null ? "—" : g.finalOrDiverged(CV_ACC.f());
        boolean chosen = d.ctx.ratesFromSweep() && d.ctx.rates().get(o) == r;
        row.add(chosen ? "**" + v + "**" : v);
      }
      t.row(row);
    }
    return t.toString();
  }

  /** The full-data runs, scored on the test set. */
  static String full(ReportData d) {
    List<Col> cols =
        List.of(
            TRAIN_ACC,
            new Col("Test accuracy", CV_ACC.f()),
            new Col("Test CCE", CV_COST.f()));
    MdTable t = new MdTable().left("Optimizer").right("Learning rate").right(headers(cols));
    t.left("Runs");
    for (AblationGroup g : d.phase(Phase.FULL)) {
      List<Object> row = cells(Labels.optimizer(g.optimizer()), List.of(Fmt.num(g.lr())));
      row.addAll(finals(g, cols));
      row.add(g.runsNote());
      t.row(row);
    }
    return t.toString();
  }

  /** The small-sample (or random-label) runs per regularizer. */
  static String small(ReportData d, Phase phase) {
    MdTable t =
        new MdTable()
            .left("Regularizer")
            .right("Train accuracy", "CV accuracy", "Train − CV", "CV CCE")
            .left("Runs");
    for (AblationGroup g : d.phase(phase)) {
      t.row(
          Labels.variant(g),
          g.finalOrDiverged(TRAIN_ACC.f()),
          g.finalOrDiverged(CV_ACC.f()),
          g.gap().format(4),
          g.finalOrDiverged(CV_COST.f()),
          g.runsNote());
    }
    return t.toString();
  }
}

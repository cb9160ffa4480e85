package dev.sparkmlp.study;

import dev.sparkmlp.study.AblationPlan.Phase;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The statements the report checks, the paper's and the expected ones, each with a verdict and the
 * numbers behind it. A statement whose runs are missing is "not run".
 */
final class Findings {
  /**
   * A training-cost rise from one epoch to the next by more than this factor and by more than
   * {@link #SPIKE_MIN} counts as a spike; the floor keeps noise at costs near zero (0.0003 to
   * 0.0006) from counting.
   */
  static final double SPIKE = 1.5;

  static final double SPIKE_MIN = 0.02;

  /** Accuracy differences below this (in accuracy units) count as no visible difference. */
  static final double VISIBLE = 0.01;

  private static final String HE = "he_uniform";

  private final ReportData d;
  private final Map<String, AblationPaper.Row> paper;
  private final String learned = Fmt.percent(AblationGroup.LEARNED);

  private Findings(ReportData d) {
    this.d = d;
    this.paper = AblationPaper.heLambda0(d.plan.paper());
  }

  static List<Finding> of(ReportData d) {
    return new Findings(d).all();
  }

  private List<Finding> all() {
    AblationPlan plan = d.plan;
    List<Finding> out = new ArrayList<>();
    boolean hasUniform = plan.inits().contains("uniform");
    boolean hasHe = plan.inits().contains(HE);
    boolean hasZero = plan.lambdas().contains(0.0);
    if (!paper.isEmpty() && hasHe && hasZero) out.add(atLeastPaper());
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
    if (!paper.isEmpty() && hasHe && hasZero) out.add(bestOptimizer());
    AblationPaper.Row sgd = paper.get("sgd");
    CostMatch m = hasHe && hasZero ? CostMatch.of(d, sgd) : null;
    if (m != null) {
      out.add(
          new Finding(
              "The paper's cost column is the mean categorical cross-entropy",
              "paper (implied)",
              m.closest().equals("CCE") ? "holds" : "does not hold",
              "paper: "
                  + Fmt.paper(sgd.trainCost())
                  + " (SGD); the closest of our definitions is "
                  + m.closest()
                  + " (see “Which cost the paper reports”)"));
    }
    for (Phase p : List.of(Phase.SMALL, Phase.RANDOM)) {
      if (!d.phase(p).isEmpty()) out.add(smallMatters(p));
    }
    return out;
  }

  private static String opt(String o) {
    return Labels.optimizer(o);
  }

  private Finding atLeastPaper() {
    List<String> ev = new ArrayList<>();
    boolean all = true;
    for (String o : d.plan.optimizers()) {
      AblationPaper.Row p = paper.get(o);
      AblationGroup g = d.grid(o, HE, 0);
      if (p == null || g == null) continue;
      Stat cv = g.last(e -> e.val().acc());
      all &= !cv.isNaN() && cv.mean() >= p.cvAcc();
      ev.add(opt(o) + " " + cv.format(4) + " vs " + Fmt.paper(p.cvAcc()));
    }
    String claim =
        "With He uniform and λ = 0 every optimizer reaches at least the paper's CV accuracy";
    if (ev.isEmpty()) return Finding.notRun(claim, "expected");
    return new Finding(
        claim,
        "expected",
        all ? "holds" : "does not hold",
        "CV accuracy, ours vs paper: " + String.join("; ", ev));
  }

  private Finding uniformNearChance() {
    String claim = "With U[-1,1] most runs stay near chance (CV accuracy < " + learned + ")";
    List<AblationResult> u = d.gridRuns("uniform");
    if (u.isEmpty()) return Finding.notRun("With U[-1,1] most runs stay near chance", "expected");
    long near = u.stream().filter(r -> !(r.valAcc() >= AblationGroup.LEARNED)).count();
    long div = u.stream().filter(AblationResult::isDiverged).count();
    double[] un = d.initNorms("uniform");
    double[] hn = d.initNorms(d.init);
    String norms =
        un == null || hn == null || d.init.equals("uniform")
            ? ""
            : String.format(
                Locale.ROOT,
                "; at initialisation the layer-1 gradient norm is %s under U[-1,1] vs %s under %s"
                    + " (%s×)",
                Fmt.sig3(un[0]),
                Fmt.sig3(hn[0]),
                Labels.init(d.init),
                Fmt.sig3(un[0] / hn[0]));
    List<String> per = new ArrayList<>();
    for (String o : d.plan.optimizers()) {
      List<AblationResult> mine = u.stream().filter(r -> r.cell().optimizer().equals(o)).toList();
      long l = mine.stream().filter(r -> r.valAcc() >= AblationGroup.LEARNED).count();
      long dv = mine.stream().filter(AblationResult::isDiverged).count();
      per.add(
          opt(o) + " " + l + "/" + mine.size() + " learned" + (dv > 0 ? ", " + dv + " diverged" : ""));
    }
    return new Finding(
        claim,
        "expected",
        2 * near > u.size() ? "holds" : "does not hold",
        near
            + " of "
            + u.size()
            + " U[-1,1] runs ended below "
            + learned
            + " CV accuracy or diverged ("
            + div
            + " diverged); "
            + String.join(", ", per)
            + norms);
  }

  private Finding fullTarget() {
    AblationPlan.FullData f = d.plan.full();
    AblationGroup g =
        d.phase(Phase.FULL).stream()
            .filter(x -> x.optimizer().equals(f.targetOptimizer()))
            .findFirst()
            .orElse(null);
    Stat acc = g == null ? Stat.of(List.of()) : g.last(e -> e.val().acc());
    boolean ok = g != null && g.diverged() == 0 && acc.mean() >= f.target();
    String claim =
        String.format(
            Locale.ROOT,
            "Training on all %s rows (%s, %s) reaches ≥ %.1f%% test accuracy",
            Fmt.count(d.ctx.fullRows()),
            Labels.init(f.init()),
            opt(f.targetOptimizer()),
            100 * f.target());
    if (g == null) return Finding.notRun(claim, "expected");
    return new Finding(
        claim,
        "expected",
        ok ? "holds" : "does not hold",
        "test accuracy " + acc.percent(2) + " after " + Fmt.epochs(f.epochs()));
  }

  private Finding paperUniform() {
    List<String> names = new ArrayList<>();
    int groupsLearned = 0;
    int total = 0;
    for (AblationGroup g : d.phase(Phase.GRID)) {
      if (!g.init().equals("uniform")) continue;
      total++;
      if (g.learned() > 0) {
        groupsLearned++;
        names.add(
            opt(g.optimizer())
                + " λ="
                + Fmt.num(g.lambda())
                + " ("
                + g.learned()
                + "/"
                + g.runs().size()
                + " runs, CV "
                + g.last(e -> e.val().acc()).format(3)
                + ")");
      }
    }
    String claim = "U[-1,1]: " + AblationPaper.uniformFinding(d.plan.paper());
    if (total == 0) return Finding.notRun(claim, "paper");
    String verdict =
        groupsLearned == 0 ? "holds" : 2 * groupsLearned < total ? "partly" : "does not hold";
    return new Finding(
        claim,
        "paper",
        verdict,
        groupsLearned == 0
            ? "no U[-1,1] setting reached " + learned + " CV accuracy"
            : groupsLearned
                + " of "
                + total
                + " U[-1,1] settings learned: "
                + String.join(", ", names));
  }

  private Finding heLearns() {
    String claim = "With He uniform every optimizer and λ learned";
    List<AblationResult> h = d.gridRuns(HE);
    if (h.isEmpty()) return Finding.notRun(claim, "paper");
    long ok = h.stream().filter(r -> r.valAcc() >= AblationGroup.LEARNED).count();
    Stat cv = Stat.of(h.stream().map(AblationResult::valAcc).toList());
    double min =
        h.stream()
            .mapToDouble(AblationResult::valAcc)
            .filter(v -> !Double.isNaN(v))
            .min()
            .orElse(Double.NaN);
    return new Finding(
        claim,
        "paper",
        ok == h.size() ? "holds" : "does not hold",
        ok
            + " of "
            + h.size()
            + " He-uniform runs reached ≥ "
            + learned
            + " CV accuracy; lowest final CV accuracy "
            + Fmt.fixed4(min)
            + ", mean "
            + Fmt.fixed4(cv.mean()));
  }

  /** An optimizer and a number, for rankings. */
  private record Ranked(String optimizer, double value) {}

  private Finding fastestEarly() {
    String claim = "RMSProp and Adam converge fastest early on";
    List<Ranked> e1 = new ArrayList<>();
    for (String o : d.plan.optimizers()) {
      AblationGroup g = d.grid(o, HE, 0);
      if (g != null) e1.add(new Ranked(o, g.at(1, e -> e.train().acc()).mean()));
    }
    if (e1.size() < 2) return Finding.notRun(claim, "paper");
    e1.sort(Comparator.comparingDouble((Ranked r) -> -r.value()));
    List<String> adaptive = List.of("rmsprop", "adam");
    boolean holds =
        adaptive.contains(e1.get(0).optimizer()) && adaptive.contains(e1.get(1).optimizer());
    List<String> ev = e1.stream().map(r -> opt(r.optimizer()) + " " + Fmt.fixed4(r.value())).toList();
    return new Finding(
        claim,
        "paper",
        holds ? "holds" : "does not hold",
        "training accuracy after epoch 1 (He uniform, λ = 0), highest first: "
            + String.join(", ", ev));
  }

  private Finding spikes() {
    String claim = "RMSProp shows large periodic spikes in the cost";
    List<AblationResult> he = d.gridRuns(HE);
    if (he.stream().noneMatch(r -> r.cell().optimizer().equals("rmsprop"))) {
      return Finding.notRun(claim, "paper");
    }
    List<String> ev = new ArrayList<>();
    int rms = 0;
    int otherMax = 0;
    for (String o : d.plan.optimizers()) {
      int count = 0;
      int runs = 0;
      double worst = 1;
      for (AblationResult r : he) {
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
              Locale.ROOT, "%s %d in %d runs (largest rise ×%.2f)", opt(o), count, runs, worst));
    }
    boolean holds = rms > 0 && rms > otherMax;
    return new Finding(
        claim,
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
    String claim = "λ makes no visible difference to generalization (He uniform)";
    List<Double> ls = AblationFigures.gapLambdas(d.plan);
    double lo = ls.get(0);
    double hi = ls.get(ls.size() - 1);
    List<String> ev = new ArrayList<>();
    boolean visible = false;
    for (String o : d.plan.optimizers()) {
      AblationGroup a = d.grid(o, HE, lo);
      AblationGroup b = d.grid(o, HE, hi);
      if (a == null || b == null) continue;
      Stat ga = a.gap();
      Stat gb = b.gap();
      Stat ca = a.last(e -> e.val().acc());
      Stat cb = b.last(e -> e.val().acc());
      double dCv = cb.mean() - ca.mean();
      double dGap = gb.mean() - ga.mean();
      if (Math.abs(dCv) >= VISIBLE || Math.abs(dGap) >= VISIBLE || Double.isNaN(dCv)) {
        visible = true;
      }
      ev.add(
          String.format(
              Locale.ROOT,
              "%s: gap %s → %s, CV %s → %s",
              opt(o),
              ga.format(4),
              gb.format(4),
              ca.format(4),
              cb.format(4)));
    }
    if (ev.isEmpty()) return Finding.notRun(claim, "paper");
    return new Finding(
        claim,
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

  private Finding bestOptimizer() {
    String paperBest = null;
    for (Map.Entry<String, AblationPaper.Row> e : paper.entrySet()) {
      if (paperBest == null || e.getValue().cvAcc() > paper.get(paperBest).cvAcc()) {
        paperBest = e.getKey();
      }
    }
    String ours = null;
    double oursAcc = Double.NEGATIVE_INFINITY;
    for (String o : d.plan.optimizers()) {
      AblationGroup g = d.grid(o, HE, 0);
      if (g == null) continue;
      double m = g.last(e -> e.val().acc()).mean();
      if (m > oursAcc) {
        oursAcc = m;
        ours = o;
      }
    }
    String claim = "The best optimizer on CV (He uniform, λ = 0) is " + opt(paperBest);
    if (ours == null) return Finding.notRun(claim, "paper");
    return new Finding(
        claim,
        "paper",
        paperBest.equals(ours) ? "holds" : "does not hold",
        "ours: "
            + opt(ours)
            + " ("
            + Fmt.fixed4(oursAcc)
            + "); paper: "
            + opt(paperBest)
            + " ("
            + Fmt.paper(paper.get(paperBest).cvAcc())
            + ")");
  }

  private Finding smallMatters(Phase phase) {
    List<AblationGroup> sg = d.phase(phase);
    AblationGroup base =
        sg.stream().filter(g -> g.lambda() == 0 && g.dropout() == 0).findFirst().orElse(null);
    List<String> ev = new ArrayList<>();
    boolean any = false;
    Stat b = base == null ? null : base.gap();
    if (b != null) {
      ev.add(
          "no regularizer: gap " + b.format(4) + ", CV " + base.last(e -> e.val().acc()).format(4));
    }
    for (AblationGroup g : sg) {
      if (g == base) continue;
      Stat s = g.gap();
      String what =
          Labels.variant(g)
              + ": gap "
              + s.format(4)
              + ", CV "
              + g.last(e -> e.val().acc()).format(4);
      if (b != null && !s.isNaN() && !b.isNaN()) {
        double diff = s.mean() - b.mean();
        double noise = 2 * Math.max(s.sd(), b.sd());
        boolean vis = Math.abs(diff) >= Math.max(VISIBLE, noise);
        any |= vis;
        what +=
            String.format(
                Locale.ROOT, " (%s point%s)", Fmt.signedPoints(diff), vis ? ", visible" : "");
      }
      ev.add(what);
    }
    return new Finding(
        String.format(
            Locale.ROOT,
            "On %s training rows%s, L2 or dropout visibly changes the train − CV gap",
            Fmt.count(d.plan.small().rows()),
            phase == Phase.RANDOM ? " with random labels" : ""),
        "extension",
        any ? "holds" : "does not hold",
        String.join("; ", ev)
            + String.format(
                Locale.ROOT, " (visible: at least %.0f point and 2 sd)", 100 * VISIBLE));
  }
}

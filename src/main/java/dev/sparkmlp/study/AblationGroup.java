package dev.sparkmlp.study;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The runs of one setting that differ only in their seed, with mean and sample standard deviation
 * of their final metrics. Final metrics come from the runs that did not diverge; curves average
 * whatever runs reached each epoch.
 */
record AblationGroup(
    AblationPlan.Phase phase,
    String optimizer,
    double lr,
    String init,
    double lambda,
    double dropout,
    List<AblationResult> runs) {

  /** CV accuracy at or above this counts as learning: twice chance for ten classes. */
  static final double LEARNED = 0.2;

  /** Groups results by everything but the seed, in first-seen order. */
  static List<AblationGroup> of(List<AblationResult> results) {
    Map<String, List<AblationResult>> byKey = new LinkedHashMap<>();
    for (AblationResult r : results) {
      AblationPlan.Cell c = r.cell();
      String k =
          c.phase()
              + "|"
              + c.optimizer()
              + "|"
              + c.lr()
              + "|"
              + c.init()
              + "|"
              + c.lambda()
              + "|"
              + c.dropout();
      byKey.computeIfAbsent(k, x -> new ArrayList<>()).add(r);
    }
    List<AblationGroup> groups = new ArrayList<>();
    for (List<AblationResult> rs : byKey.values()) {
      AblationPlan.Cell c = rs.get(0).cell();
      groups.add(
          new AblationGroup(
              c.phase(),
              c.optimizer(),
              c.lr(),
              c.init(),
              c.lambda(),
              c.dropout(),
              List.copyOf(rs)));
    }
    return groups;
  }

  /** The group matching the arguments, or null. */
  static AblationGroup find(
      List<AblationGroup> groups,
      AblationPlan.Phase phase,
      String optimizer,
      String init,
      double lambda,
      double dropout) {
    for (AblationGroup g : groups) {
      if (g.phase == phase
          && g.optimizer.equals(optimizer)
          && g.init.equals(init)
          && g.lambda == lambda
          && g.dropout == dropout) {
        return g;
      }
    }
    return null;
  }

  int diverged() {
    return (int) runs.stream().filter(AblationResult::isDiverged).count();
  }

  /** Runs whose final CV accuracy reached {@link #LEARNED}; a diverged run did not learn. */
  int learned() {
    return (int) runs.stream().filter(r -> r.valAcc() >= LEARNED).count();
  }

  /** A final metric over the runs that finished. */
  Stat last(ToDoubleFunction<AblationResult.Epoch> f) {
    List<Double> v = new ArrayList<>();
    for (AblationResult r : runs) {
      AblationResult.Epoch e = r.last();
      if (e != null) v.add(f.applyAsDouble(e));
    }
    return Stat.of(v);
  }

  /** A metric of epoch {@code epoch} (0 = initial) over the runs that reached it. */
  Stat at(int epoch, ToDoubleFunction<AblationResult.Epoch> f) {
    List<Double> v = new ArrayList<>();
    for (AblationResult r : runs) {
      AblationResult.Epoch e =
          epoch == 0
              ? r.initial()
              : epoch <= r.history().size() ? r.history().get(epoch - 1) : null;
      if (e != null) v.add(f.applyAsDouble(e));
    }
    return Stat.of(v);
  }

  /** Train minus CV accuracy at the end. */
  Stat gap() {
    return last(e -> e.train().acc() - e.val().acc());
  }

  /** The mean curve of a metric over epochs 1..n, NaN where no run reached the epoch. */
  double[] curve(ToDoubleFunction<AblationResult.Epoch> f) {
    int n = runs.stream().mapToInt(r -> r.history().size()).max().orElse(0);
    double[] c = new double[n];
    for (int e = 1; e <= n; e++) c[e - 1] = at(e, f).mean();
    return c;
  }

  /** A final metric as a table cell: mean ± sd, "diverged" when every run did, "—" without runs. */
  String finalOrDiverged(ToDoubleFunction<AblationResult.Epoch> f) {
    Stat s = last(f);
    if (s.isNaN()) return diverged() > 0 ? "diverged" : "—";
    return s.format(4);
  }

  /** The first epoch at which the mean CV accuracy reached {@link #LEARNED}; 0 if never. */
  int firstLearnedEpoch() {
    double[] acc = curve(e -> e.val().acc());
    for (int i = 0; i < acc.length; i++) if (acc[i] >= LEARNED) return i + 1;
    return 0;
  }

  /** "3 seeds", "3 seeds, 1 diverged". */
  String runsNote() {
    int d = diverged();
    String s = runs.size() + (runs.size() == 1 ? " seed" : " seeds");
    return d == 0 ? s : s + ", " + d + " diverged";
  }
}

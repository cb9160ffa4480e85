package dev.sparkmlp.study;

import dev.sparkmlp.study.AblationPlan.Phase;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * What every piece of the report reads: the plan, the run's context, the results, their groups by
 * setting, and the initialisation the comparisons use (He uniform when it is in the grid).
 */
final class ReportData {
  final AblationPlan plan;
  final AblationReport.Context ctx;
  final List<AblationResult> results;
  final List<AblationGroup> groups;
  final String init;

  ReportData(AblationPlan plan, AblationReport.Context ctx, List<AblationResult> results) {
    this.plan = plan;
    this.ctx = ctx;
    this.results = results;
    this.groups = AblationGroup.of(results);
    this.init = AblationFigures.workingInit(plan);
  }

  /** The grid group of an optimizer, init and lambda without dropout; null if it has no runs. */
  AblationGroup grid(String optimizer, String init, double lambda) {
    return AblationGroup.find(groups, Phase.GRID, optimizer, init, lambda, 0);
  }

  List<AblationGroup> phase(Phase p) {
    return groups.stream().filter(g -> g.phase() == p).toList();
  }

  /** The grid runs of an initialisation. */
  List<AblationResult> gridRuns(String i) {
    return results.stream()
        .filter(r -> r.cell().phase() == Phase.GRID && r.cell().init().equals(i))
        .toList();
  }

  /** Per parameter layer, the mean initial gradient norm of the grid runs of i; null if none. */
  double[] initNorms(String i) {
    List<AblationResult> rs = gridRuns(i);
    if (rs.isEmpty()) return null;
    double[] m = new double[rs.get(0).initial().gradNorms().length];
    for (int l = 0; l < m.length; l++) {
      int li = l;
      m[l] = Stat.of(rs.stream().map(r -> r.initial().gradNorms()[li]).toList()).mean();
    }
    return m;
  }

  /** The mean over the grid runs of i of a metric at the initial weights. */
  double meanInitial(String i, ToDoubleFunction<AblationResult.Epoch> f) {
    return Stat.of(gridRuns(i).stream().map(r -> f.applyAsDouble(r.initial())).toList()).mean();
  }

  /** Classes of the data: the network's outputs. */
  int classes() {
    return ctx.network().outputs();
  }
}

package dev.sparkmlp.study;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The study's CSV files: {@code results.csv} (one row per run), {@code summary.csv} (mean and sd
 * over seeds per setting) and {@code history.csv} (one row per run and epoch, epoch 0 being the
 * initial weights). Numbers have six significant digits; NaN is an empty cell.
 */
final class ReportCsv {
  /** A named metric of one epoch's passes. */
  private record Column(String name, ToDoubleFunction<AblationResult.Epoch> f) {}

  private static final List<Column> TRAIN =
      List.of(
          new Column("train_cost", AblationResult.Epoch::trainCost),
          new Column("train_cce", e -> e.train().cce()),
          new Column("train_acc", e -> e.train().acc()),
          new Column("train_bce", e -> e.train().bce()),
          new Column("train_half_mse", e -> e.train().halfMse()));
  private static final List<Column> VAL =
      List.of(
          new Column("val_cce", e -> e.val().cce()),
          new Column("val_acc", e -> e.val().acc()),
          new Column("val_bce", e -> e.val().bce()),
          new Column("val_half_mse", e -> e.val().halfMse()));
  private static final Column GAP = new Column("gap", e -> e.train().acc() - e.val().acc());

  private ReportCsv() {}

  static String results(List<AblationResult> results) {
    List<String> head =
        new ArrayList<>(
            List.of(
                "phase", "id", "optimizer", "lr", "init", "lambda", "dropout", "seed", "epochs",
                "epochs_done", "diverged"));
    head.addAll(names(TRAIN));
    head.add("val_set");
    head.addAll(names(VAL));
    head.addAll(List.of(GAP.name(), "init_train_cce", "init_val_acc"));
    for (String l : layers(results)) head.add("init_grad_norm_" + l);
    head.add("seconds");
    StringBuilder sb = line(new StringBuilder(), head);
    for (AblationResult r : results) {
      AblationPlan.Cell c = r.cell();
      AblationResult.Epoch e = r.last();
      List<String> row = settings(c, false);
      row.addAll(1, List.of(c.id()));
      row.addAll(
          List.of(
              String.valueOf(c.epochs()),
              String.valueOf(r.history().size()),
              String.valueOf(r.isDiverged())));
      row.addAll(values(e, TRAIN));
      row.add(valSet(c));
      row.addAll(values(e, VAL));
      row.addAll(values(e, List.of(GAP)));
      row.add(Fmt.csv(r.initial().train().cce()));
      row.add(Fmt.csv(r.initial().val().acc()));
      for (double g : r.initial().gradNorms()) row.add(Fmt.csv(g));
      row.add(String.format(Locale.ROOT, "%.2f", r.seconds()));
      line(sb, row);
    }
    return sb.toString();
  }

  static String summary(List<AblationGroup> groups) {
    List<Column> metrics = new ArrayList<>(TRAIN);
    metrics.addAll(VAL);
    metrics.add(GAP);
    List<String> head =
        new ArrayList<>(
            List.of(
                "phase", "optimizer", "lr", "init", "lambda", "dropout", "runs", "diverged",
                "learned", "val_set"));
    for (Column m : metrics) head.addAll(List.of(m.name() + "_mean", m.name() + "_sd"));
    StringBuilder sb = line(new StringBuilder(), head);
    for (AblationGroup g : groups) {
      List<String> row = settings(g.runs().get(0).cell(), false);
      row.remove(row.size() - 1); // the seed
      row.addAll(
          List.of(
              String.valueOf(g.runs().size()),
              String.valueOf(g.diverged()),
              String.valueOf(g.learned()),
              valSet(g.runs().get(0).cell())));
      for (Column m : metrics) {
        Stat s = g.last(m.f());
        row.addAll(List.of(Fmt.csv(s.mean()), Fmt.csv(s.sd())));
      }
      line(sb, row);
    }
    return sb.toString();
  }

  static String history(List<AblationResult> results) {
    List<String> head =
        new ArrayList<>(
            List.of("id", "phase", "optimizer", "init", "lambda", "dropout", "seed", "epoch"));
    head.addAll(names(TRAIN));
    head.addAll(names(VAL));
    for (String l : layers(results)) head.add("grad_norm_" + l);
    StringBuilder sb = line(new StringBuilder(), head);
    for (AblationResult r : results) {
      List<AblationResult.Epoch> all = new ArrayList<>();
      all.add(r.initial());
      all.addAll(r.history());
      AblationPlan.Cell c = r.cell();
      for (AblationResult.Epoch e : all) {
        List<String> row = settings(c, true);
        row.add(0, c.id());
        row.add(String.valueOf(e.epoch()));
        row.addAll(values(e, TRAIN));
        row.addAll(values(e, VAL));
        for (double g : e.gradNorms()) row.add(Fmt.csv(g));
        line(sb, row);
      }
    }
    return sb.toString();
  }

  /** phase, optimizer, [lr,] init, lambda, dropout, seed. */
  private static List<String> settings(AblationPlan.Cell c, boolean withoutLr) {
    List<String> row = new ArrayList<>(List.of(c.phase().label, c.optimizer()));
    if (!withoutLr) row.add(Fmt.csv(c.lr()));
    row.addAll(
        List.of(c.init(), Fmt.csv(c.lambda()), Fmt.csv(c.dropout()), String.valueOf(c.seed())));
    return row;
  }

  private static List<String> names(List<Column> cs) {
    return cs.stream().map(Column::name).toList();
  }

  /** The columns' values of e; empty cells when e is null (a run without a final epoch). */
  private static List<String> values(AblationResult.Epoch e, List<Column> cs) {
    return cs.stream().map(col -> e == null ? "" : Fmt.csv(col.f().applyAsDouble(e))).toList();
  }

  private static String[] layers(List<AblationResult> results) {
    return results.isEmpty() ? new String[0] : results.get(0).layers();
  }

  private static String valSet(AblationPlan.Cell c) {
    return c.phase() == AblationPlan.Phase.FULL ? "test" : "cv";
  }

  private static StringBuilder line(StringBuilder sb, List<String> cells) {
    return sb.append(String.join(",", cells)).append('\n');
  }
}

package dev.sparkmlp.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sparkmlp ablation}: the optimizer x initialisation x L2 study of Okoma (2025) with its
 * extensions, from one config (conf/ablation-mnist.conf, ablation-fashion.conf,
 * ablation-cifar.conf; the keys are in the ablation section of conf/reference.conf).
 */
@Command(
    name = "ablation",
    mixinStandardHelpOptions = true,
    description = {
      "Run the optimizer x initialisation x L2 ablation study and write its report.",
      "Writes cells/<run>/ (metrics.jsonl, result.json), results.csv, summary.csv, history.csv,"
          + " table.md, figures/*.png and REPORT.md to the output directory. Runs whose"
          + " result.json matches the current settings are reused, so an interrupted study"
          + " continues where it stopped."
    })
final class AblationCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Option(
      names = "--fresh",
      description = "Retrain every run, even those with a matching result.json.")
  boolean fresh;

  @Option(
      names = "--report-only",
      description = "Train nothing; write the report from the runs already finished.")
  boolean reportOnly;

  @Option(
      names = "--publish",
      paramLabel = "DIR",
      description =
          "Also write the report, tables and figures (not the per-run files) to DIR, e.g."
              + " docs/ablation/mnist.")
  String publish;

  @Override
  public Integer call() {
    Settings s = common.load();
    AblationPlan plan = AblationPlan.of(s);
    String configName = common.config == null ? "conf/reference.conf" : common.config.getPath();
    new AblationStudy(s, plan, configName, fresh, System.out).run(reportOnly, publish);
    return 0;
  }
}

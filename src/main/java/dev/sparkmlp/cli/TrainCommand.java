package dev.sparkmlp.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sparkmlp train}: trains a network and writes metrics, a summary and the model. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train a network; writes metrics.jsonl, curves.png, summary.json and model/ to the output directory.")
final class TrainCommand implements Callable<Integer> {
  @Mixin
  CommonOptions common;

  @Option(names = "--quiet", description = "Print only the final lines.")
  boolean quiet;

  @Option(names = "--resume", paramLabel = "DIR", description = "Continue from this checkpoint"
      + " directory, mid-epoch included; falls back to DIR.prev when DIR is unusable (train.resume).")
  String resume;

  @Override
  public Integer call() {
    Settings s = common.load(resume == null ? Map.of() : Map.of("train.resume", resume));
    new TrainRun(s, quiet ? TrainRun.Console.QUIET : TrainRun.Console.NORMAL).run();
    return 0;
  }
}

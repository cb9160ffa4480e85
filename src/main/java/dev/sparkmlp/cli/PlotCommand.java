package dev.sparkmlp.cli;

import dev.sparkmlp.plot.Curves;
import dev.sparkmlp.plot.Png;
import dev.sparkmlp.train.EpochMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sparkmlp plot RUN_DIR... [--output FILE] [--title T]}: the training curves of one run, or
 * several runs overlaid, from their {@code metrics.jsonl}, as one PNG (see {@link Curves}).
 */
@Command(name = "plot", mixinStandardHelpOptions = true,
    description = "Draw the loss and accuracy per epoch (train and validation) of one or more runs into one PNG; "
        + "several runs are overlaid, one colour each.")
final class PlotCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "RUN_DIR",
      description = "Output directories of 'train', or metrics.jsonl files. The legend names each by its directory.")
  List<String> runs;

  @Option(names = "--output", paramLabel = "FILE", description = "PNG to write, atomically (default: ${DEFAULT-VALUE}).")
  String output = Curves.FILE;

  @Option(names = "--title", paramLabel = "T", description = "Title (default: the run names, or the number of runs past three).")
  String title;

  @Override
  public Integer call() {
    Map<String, List<EpochMetrics>> histories = new LinkedHashMap<>();
    for (String run : runs) {
      String name = Curves.runName(run);
      // Two runs of the same name in different parents: the later one goes by its path as given.
      if (histories.containsKey(name)) name = run;
      if (histories.containsKey(name)) throw new IllegalArgumentException(run + ": run given twice");
      histories.put(name, Curves.read(run));
    }
    List<String> names = new ArrayList<>(histories.keySet());
    String t = title != null ? title : names.size() <= 3 ? String.join(", ", names) : names.size() + " runs";
    byte[] png = names.size() == 1 ? Curves.png(histories.get(names.get(0)), t) : Curves.overlay(histories, t);
    Png.write(output, png);
    System.out.printf("sparkmlp: wrote %s (%d run%s)%n", output, names.size(), names.size() == 1 ? "" : "s");
    return 0;
  }
}

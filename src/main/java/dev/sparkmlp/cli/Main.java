package dev.sparkmlp.cli;

import dev.sparkmlp.data.DataException;
import dev.sparkmlp.io.ModelFormatException;
import dev.sparkmlp.spark.ClusterLostException;
import dev.sparkmlp.train.TrainingDivergedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sparkmlp <command>}: train, evaluate, predict, plot, ablation. */
@Command(name = "sparkmlp", mixinStandardHelpOptions = true, version = "sparkmlp 0.1.0",
    description = "Data-parallel multi-layer perceptron trainer for Apache Spark.",
    subcommands = {TrainCommand.class, EvaluateCommand.class, PredictCommand.class,
        PlotCommand.class, AblationCommand.class, CommandLine.HelpCommand.class})
public final class Main {

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command and returns its exit code; bad input is reported in one line, no stack trace. */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (isUserError(e)) {
        cmd.getErr().println("sparkmlp: error: " + e.getMessage());
        return 2;
      }
      cmd.getErr().println("sparkmlp: internal error:");
      e.printStackTrace(cmd.getErr());
      return 1;
    });
    return cl.execute(args);
  }

  static boolean isUserError(Throwable e) {
    return e instanceof DataException || e instanceof ModelFormatException
        || e instanceof ConfigLoader.ConfigError || e instanceof TrainingDivergedException
        || e instanceof ClusterLostException || e instanceof IllegalArgumentException || e instanceof java.io.UncheckedIOException;
  }
}

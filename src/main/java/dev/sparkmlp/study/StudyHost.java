package dev.sparkmlp.study;

import com.typesafe.config.Config;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.train.DataSpec;
import dev.sparkmlp.train.TrainConfig;

/**
 * What the ablation study needs from the program that runs it: how a configuration becomes the
 * core's specs, and where runs compute. The CLI's {@code ablation} command supplies both from its
 * config reader and its local or Spark engine; a notebook can supply its own.
 *
 * <p>A bad value in the configuration is reported as an exception with a one-line message naming
 * the key.
 */
public interface StudyHost {
  /** The data section of c. */
  DataSpec data(Config c);

  /** The model section of c, for data with the given input and output widths. */
  NetworkSpec network(Config c, int inputs, int outputs);

  /** The train section of c, for a run with the given steps per epoch. */
  TrainConfig train(Config c, int stepsPerEpoch);

  /** The global mini-batch size of c. */
  int batchSize(Config c);

  /**
   * The shard (local) or partition (Spark) count of every run. It decides which rows each step
   * sees, so it is part of each run's key.
   */
  int shards();

  /** Where the next run computes; the study closes it when the run ends. */
  Compute compute();

  /** How runs compute, for the progress lines and the report: "local (2 shards, 2 threads)". */
  String describe();
}

package dev.sparkmlp.math;

/**
 * Splits [0, n) into contiguous parts and runs a job on each, possibly on several threads: how an
 * element-wise pass over the parameters (an optimizer update) uses the cores a local trainer
 * already has. The parts tile [0, n) exactly once, so an element-wise job gives the same bits
 * whatever the split.
 */
public interface Ranges {
  /** A pass over [from, to). */
  interface Job {
    void run(int from, int to);
  }

  /**
   * Runs {@code job.run(from, to)} over parts that tile [0, n), and returns once every part is
   * done; what the job wrote is then visible to the caller.
   */
  void forEach(int n, Job job);

  /** One part, [0, n), on the calling thread. */
  Ranges SERIAL = (n, job) -> job.run(0, n);
}

package dev.sparkmlp.spark;

import java.io.Serializable;

/**
 * One partition's sums of an inference pass: loss, correct, count, and one sum per output metric
 * of the evaluation. Partitions are added in partition order.
 */
final class EvalSums implements Serializable {
  private static final long serialVersionUID = 2L;

  double loss;
  long correct;
  long count;
  /** extras[i] is the sum of the evaluation's metric i. */
  final double[] extras;

  EvalSums(int metrics) {
    this.extras = new double[metrics];
  }

  EvalSums(double loss, long correct, long count, double[] extras) {
    this.loss = loss;
    this.correct = correct;
    this.count = count;
    this.extras = extras;
  }

  /** this += other. Modified: this. */
  void add(EvalSums o) {
    if (o.extras.length != extras.length) {
      throw new IllegalArgumentException(
          "partition sums of " + o.extras.length + " metrics added to sums of " + extras.length);
    }
    loss += o.loss;
    correct += o.correct;
    count += o.count;
    for (int i = 0; i < extras.length; i++) extras[i] += o.extras[i];
  }
}

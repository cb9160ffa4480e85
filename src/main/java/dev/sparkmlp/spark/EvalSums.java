package dev.sparkmlp.spark;

import java.io.Serializable;

/** One partition's sums of an inference pass; partitions are added in partition order. */
final class EvalSums implements Serializable {
  private static final long serialVersionUID = 1L;

  double loss;
  long correct;
  long count;
  double bce;
  double halfMse;

  EvalSums() {}

  EvalSums(double loss, long correct, long count, double bce, double halfMse) {
    this.loss = loss;
    this.correct = correct;
    this.count = count;
    this.bce = bce;
    this.halfMse = halfMse;
  }

  /** this += other. Modified: this. */
  void add(EvalSums o) {
    loss += o.loss;
    correct += o.correct;
    count += o.count;
    bce += o.bce;
    halfMse += o.halfMse;
  }
}

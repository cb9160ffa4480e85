package dev.sparkmlp.data;

/** What the targets of a data set mean. */
public enum Task {
  /** Integer class labels, stored one-hot. */
  CLASSIFICATION,
  /** Real-valued targets, one or more per row. */
  REGRESSION
}

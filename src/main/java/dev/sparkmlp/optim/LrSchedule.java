package dev.sparkmlp.optim;

/** The learning rate as a function of the global step. Built from a {@link ScheduleSpec}. */
@FunctionalInterface
public interface LrSchedule {

  /**
   * The learning rate for a step, counted from 0 over the whole run (not reset per epoch); the
   * epoch is step / stepsPerEpoch.
   */
  float lr(long step, int stepsPerEpoch);
}

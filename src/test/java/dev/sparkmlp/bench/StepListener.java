package dev.sparkmlp.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;

/**
 * Spark's own account of the tasks of the training steps' jobs (those whose description starts
 * with "sparkmlp epoch"), one {@link Job} per job, in the order the jobs end. Per task, as the
 * Spark UI splits it (milliseconds, Spark's resolution):
 *
 * <pre>
 * duration          = finish - launch
 * deserialize       = executorDeserializeTime   (task, closure and broadcast reads)
 * run               = executorRunTime           (our task function)
 * result serialize  = resultSerializationTime
 * getting result    = finish - gettingResultTime, when the driver fetched the result remotely
 * scheduler delay   = duration - deserialize - run - result serialize - getting result
 * </pre>
 *
 * The listener bus delivers events on its own thread after the job has returned, so a reader
 * waits for the job with {@link #next}.
 */
final class StepListener extends SparkListener {
  /** One task's figures in ms. */
  record Task(long launch, long finish, double deserialize, double run, double resultSerialize,
      double gettingResult, double schedulerDelay) {}

  /** One job: submission and completion times (ms, the listener's clock) and its tasks. */
  record Job(long submitted, long completed, List<Task> tasks) {
    /** From the first task's launch to the last task's finish. */
    long taskSpan() {
      long first = Long.MAX_VALUE;
      long last = Long.MIN_VALUE;
      for (Task t : tasks) {
        first = Math.min(first, t.launch);
        last = Math.max(last, t.finish);
      }
      return tasks.isEmpty() ? 0 : last - first;
    }
  }

  private final Map<Integer, Job> running = new HashMap<>();
  private final LinkedBlockingQueue<Job> done = new LinkedBlockingQueue<>();

  @Override
  public void onJobStart(SparkListenerJobStart e) {
    String d = e.properties() == null ? null : e.properties().getProperty("spark.job.description");
    // A step loop's job ("sparkmlp epoch e/E steps a-b/S") spans many steps: not a step's job.
    if (d == null || !d.startsWith("sparkmlp epoch") || d.contains(" steps ")) return;
    synchronized (running) {
      running.put(e.jobId(), new Job(e.time(), 0, new ArrayList<>()));
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd e) {
    TaskMetrics m = e.taskMetrics();
    TaskInfo i = e.taskInfo();
    if (m == null) return;
    double getting = i.gettingResultTime() > 0 ? i.finishTime() - i.gettingResultTime() : 0;
    double deser = m.executorDeserializeTime();
    double run = m.executorRunTime();
    double ser = m.resultSerializationTime();
    double delay = Math.max(0, i.duration() - deser - run - ser - getting);
    Task t = new Task(i.launchTime(), i.finishTime(), deser, run, ser, getting, delay);
    synchronized (running) {
      // Tasks carry a stage id only; every task of our one-stage jobs belongs to the job that is
      // running, and the jobs of the floor and the local steps are never ours.
      for (Job j : running.values()) j.tasks.add(t);
    }
  }

  @Override
  public void onJobEnd(SparkListenerJobEnd e) {
    Job j;
    synchronized (running) {
      j = running.remove(e.jobId());
    }
    if (j != null) done.add(new Job(j.submitted, e.time(), j.tasks));
  }

  /** The next training job to end; fails after 30 s. */
  Job next() throws InterruptedException {
    Job j = done.poll(30, TimeUnit.SECONDS);
    if (j == null) throw new IllegalStateException("no sparkmlp job ended within 30 s");
    return j;
  }
}

package dev.sparkmlp.cluster;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * A job that needs nothing of sparkmlp: sums 1..n over {@code parts} partitions and prints
 * {@code sum=<value> executors=<distinct executor ids that ran a task>}. {@link ClusterSmokeIT}
 * submits it to check the cluster and scripts/submit on their own, apart from the Spark engine.
 */
public final class SumJob {
  private SumJob() {}

  public static void main(String[] args) {
    long n = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
    int parts = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    SparkSession spark = SparkSession.builder().appName("sparkmlp-sum").getOrCreate();
    try {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      List<Long> starts = new ArrayList<>();
      long chunk = (n + parts - 1) / parts;
      for (long s = 1; s <= n; s += chunk) starts.add(s);
      // Each task sums its own range, so the driver never materialises 1..n.
      long sum = sc.parallelize(starts, starts.size())
          .map(s -> {
            long e = Math.min(s + chunk - 1, n);
            return (s + e) * (e - s + 1) / 2;
          })
          .reduce(Long::sum);
      List<String> executors = sc.parallelize(starts, starts.size())
          .map(s -> org.apache.spark.SparkEnv.get().executorId())
          .distinct()
          .collect();
      System.out.println("sum=" + sum + " executors=" + executors.size());
    } finally {
      spark.stop();
    }
  }
}

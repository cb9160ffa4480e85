package dev.sparkmlp.spark;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.DataException;
import dev.sparkmlp.data.Idx;
import dev.sparkmlp.data.Scaler;
import dev.sparkmlp.io.Fs;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.train.Datasets;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * An idx image file and its label file ({@link Idx}) read by the executors: the driver reads only
 * the two headers, and no row passes through it.
 *
 * <pre>
 * driver:  open     both headers: count, image size, the counts equal; each file's URI, length
 *                   and modification time (a local path becomes file:/..., the same file on
 *                   any machine that shares the file system)
 *          visible  a job whose tasks stat the files on their executors: each must find every
 *                   file at its URI with the same length and modification time
 * layout:  task p   both files read whole and checked as the local reader checks them (the same
 *                   errors); the rows the router sends to p kept in file order and scaled:
 *                   partition p's block, cached, with no shuffle
 * </pre>
 *
 * <p>Each partition reads the files in full, so a layout reads them once per partition. On the
 * loopback cluster a task read MNIST's training files (47 MB of pixels, 9.9 MB gzip-compressed)
 * in 0.56-0.65 s, 1.1 s beside the executor's JIT warm-up, and the two tasks ran in parallel;
 * the driver had taken 1.9-2.3 s to read the files and 2.6-3.0 s to ship the two shards. A
 * partition lost with its executor is read again, into the same rows.
 */
final class IdxFiles implements FileData.Rows, Serializable {
  private static final long serialVersionUID = 1L;

  /** The paths as the user gave them, to name the files in errors as the local reader does. */
  private final String images;
  private final String labels;
  private final Fs.FileStat imageFile;
  private final Fs.FileStat labelFile;
  private final Idx.ImageHeader header;
  private final int classes;

  private IdxFiles(String images, String labels, Fs.FileStat imageFile, Fs.FileStat labelFile,
      Idx.ImageHeader header, int classes) {
    this.images = images;
    this.labels = labels;
    this.imageFile = imageFile;
    this.labelFile = labelFile;
    this.header = header;
    this.classes = classes;
  }

  /**
   * The image file {@code images} and its label file ({@code labelsPath}, or when blank the one
   * beside it), from their headers, for the executors to read. Null when a file is missing or a
   * header is bad: reading on the driver reports that as the local engine does.
   */
  static IdxFiles open(String images, String labelsPath, int classes) {
    try {
      String labels = Datasets.idxLabels(images, labelsPath);
      Fs.FileStat im = Fs.stat(images);
      Fs.FileStat lab = Fs.stat(labels);
      if (im == null || lab == null) return null;
      Idx.ImageHeader h;
      int count;
      try (InputStream in = Fs.open(images)) {
        h = Idx.imageHeader(in, images);
      }
      try (InputStream in = Fs.open(labels)) {
        count = Idx.labelCount(in, labels);
      }
      if (count != h.count()) return null;
      return new IdxFiles(images, labels, im, lab, h, classes);
    } catch (DataException | IOException | UncheckedIOException | IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * Whether the executors see every file of {@code sets} as the driver does: one task per
   * partition stats them on its executor. A file missing there, another length or modification
   * time, or a failed stat, and they do not. With {@code warmUp}, each task also starts its
   * executor's JIT warm-up ({@link ExecutorWarmup}) with passes over {@code rows} rows.
   */
  static boolean visible(JavaSparkContext jsc, int partitions, List<IdxFiles> sets,
      NetworkSpec warmUp, int rows) {
    List<Fs.FileStat> files = new ArrayList<>();
    for (IdxFiles s : sets) {
      files.add(s.imageFile);
      files.add(s.labelFile);
    }
    jsc.setJobDescription("sparkmlp find the idx files on the executors");
    try {
      List<Fs.FileStat[]> seen = jsc.parallelize(Layout.indices(partitions), partitions)
          .map(new Stat(files, warmUp, rows)).collect();
      for (Fs.FileStat[] s : seen) if (!java.util.Arrays.asList(s).equals(files)) return false;
      return true;
    } catch (Exception e) {
      // Spark's exceptions are checked ones that Scala methods throw undeclared.
      return false;
    } finally {
      jsc.setJobDescription(null);
    }
  }

  /** On an executor: each file as Fs.stat finds it there, null where it fails. */
  private static final class Stat implements Function<Integer, Fs.FileStat[]> {
    private static final long serialVersionUID = 1L;
    private final List<Fs.FileStat> files;
    private final NetworkSpec warmUp;
    private final int rows;

    Stat(List<Fs.FileStat> files, NetworkSpec warmUp, int rows) {
      this.files = new ArrayList<>(files);
      this.warmUp = warmUp;
      this.rows = rows;
    }

    @Override
    public Fs.FileStat[] call(Integer p) {
      if (warmUp != null) ExecutorWarmup.start(warmUp, rows);
      Configuration c = executorConf();
      Fs.FileStat[] out = new Fs.FileStat[files.size()];
      for (int i = 0; i < out.length; i++) {
        try {
          out[i] = Fs.stat(files.get(i).uri(), c);
        } catch (RuntimeException e) {
          out[i] = null;
        }
      }
      return out;
    }
  }

  @Override
  public String path() {
    return images;
  }

  @Override
  public int rows() {
    return header.count();
  }

  @Override
  public FileParts.Shape shape() {
    return new FileParts.Shape(header.pixels(), classes, false);
  }

  @Override
  public int pieceCount() {
    return 1;
  }

  /** Only the headers were read at load: the rows are checked as they are laid out. */
  @Override
  public boolean checkedAtLoad() {
    return false;
  }

  @Override
  public JavaRDD<ShardBlock> layout(SparkSession spark, DataFrameBlocks.Router router,
      int partitions, Scaler scaler, String name) {
    return Layout.read(JavaSparkContext.fromSparkContext(spark.sparkContext()), partitions,
        new Read(this, router, scaler), name);
  }

  /** Partition p's block: the rows the router sends to p, read from the files on the executor. */
  private static final class Read implements Function<Integer, ShardBlock> {
    private static final long serialVersionUID = 1L;
    private final IdxFiles files;
    private final DataFrameBlocks.Router router;
    private final Scaler scaler;

    Read(IdxFiles files, DataFrameBlocks.Router router, Scaler scaler) {
      this.files = files;
      this.router = router;
      this.scaler = scaler;
    }

    @Override
    public ShardBlock call(Integer p) {
      IdxFiles f = files;
      Configuration c = executorConf();
      int n = f.header.count();
      int[] all = f.read(f.labelFile, f.labels, c, in -> Idx.readLabels(in, f.labels));
      Idx.checkCounts(n, f.images, all.length, f.labels);
      Idx.checkLabels(all, f.labels, f.classes);
      // The router asked once per row: its rows of partition p, ascending.
      boolean[] mine = new boolean[n];
      int kept = 0;
      for (int g = 0; g < n; g++) {
        mine[g] = router.shard(router.check(g)) == p;
        if (mine[g]) kept++;
      }
      int rows = kept;
      float[] x = f.read(f.imageFile, f.images, c,
          in -> Idx.readImages(in, f.images, g -> mine[g], rows));
      int[] labels = new int[kept];
      for (int g = 0, i = 0; g < n; g++) if (mine[g]) labels[i++] = all[g];
      if (scaler != null) scaler.applyInPlace(x, 0, kept);
      return new ShardBlock(p, Block.classification(kept, f.header.pixels(), x, labels,
          f.classes));
    }
  }

  private static Configuration executorConf;
  /** The SparkEnv executorConf was made for: a JVM may run the executors of several contexts. */
  private static SparkEnv executorConfEnv;

  /**
   * On an executor: the Hadoop configuration Spark gives its own readers there, the executor's
   * (core-site.xml and the like) with the application's {@code spark.hadoop.*} settings. Settings
   * made in code on the driver's {@code hadoopConfiguration()} do not reach it; the command line
   * makes none. Shipping the driver's whole configuration instead cost 0.65 s on the loopback
   * cluster.
   */
  private static synchronized Configuration executorConf() {
    SparkEnv env = SparkEnv.get();
    if (executorConf == null || executorConfEnv != env) {
      Configuration c = new Configuration();
      for (Tuple2<String, String> kv : env.conf().getAllWithPrefix("spark.hadoop.")) {
        c.set(kv._1(), kv._2());
      }
      executorConf = c;
      executorConfEnv = env;
    }
    return executorConf;
  }

  /** What reads a file's stream. */
  private interface Reader<T> {
    T read(InputStream in) throws IOException;
  }

  /**
   * Reads {@code file} on an executor, checking first that it is the file the driver saw (a
   * {@link Layout.Unreadable} when not: an executor that joined after the check may not see it,
   * or the file changed). An I/O error names the file as the local reader does.
   */
  private <T> T read(Fs.FileStat file, String name, Configuration c, Reader<T> reader) {
    Fs.FileStat now = Fs.stat(file.uri(), c);
    if (!file.equals(now)) {
      throw new Layout.Unreadable(name + ": the driver saw " + describe(file) + ", an executor "
          + (now == null ? "sees no file" : "sees " + describe(now)));
    }
    try (InputStream in = Fs.open(file.uri(), c)) {
      return reader.read(in);
    } catch (IOException e) {
      throw new DataException(name, "file", e.getMessage());
    }
  }

  private static String describe(Fs.FileStat s) {
    return s.length() + " bytes modified at " + s.modified() + " ms";
  }
}


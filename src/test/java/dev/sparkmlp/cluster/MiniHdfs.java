package dev.sparkmlp.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * A real HDFS inside the test JVM: one NameNode and one DataNode of Hadoop's
 * {@code hadoop-client-minicluster} (the Hadoop version Spark ships), listening on 127.0.0.1 at
 * ports the system picks, so that other processes (a driver, executors) reach it through
 * {@link #uri}. Replication is 1, as there is one DataNode. Its storage lives in {@code dir},
 * which is emptied at start; {@link #close} shuts both nodes down.
 */
final class MiniHdfs implements AutoCloseable {
  private final MiniDFSCluster cluster;
  private final FileSystem fs;

  private MiniHdfs(MiniDFSCluster cluster) throws IOException {
    this.cluster = cluster;
    this.fs = cluster.getFileSystem();
  }

  static MiniHdfs start(Path dir) throws IOException {
    ClusterIT.deleteTree(dir);
    Files.createDirectories(dir);
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.toAbsolutePath().toString());
    conf.setInt("dfs.replication", 1);
    // No web UIs: nothing reads them, and fixed ports could collide with another test run.
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    MiniDFSCluster c = new MiniDFSCluster.Builder(conf).numDataNodes(1).nameNodePort(0)
        .format(true).build();
    c.waitActive();
    return new MiniHdfs(c);
  }

  /** The file system's URI, {@code hdfs://127.0.0.1:<port>}, without a trailing slash. */
  String uri() {
    String u = fs.getUri().toString();
    return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
  }

  /** The full URI of an absolute HDFS path such as {@code /data/train.csv}. */
  String uri(String path) {
    return uri() + path;
  }

  FileSystem fs() {
    return fs;
  }

  /** Copies a local file to {@code dst} (an absolute HDFS path) and returns its URI. */
  String upload(Path local, String dst) throws IOException {
    fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(local.toUri()),
        new org.apache.hadoop.fs.Path(dst));
    return uri(dst);
  }

  boolean exists(String path) throws IOException {
    return fs.exists(new org.apache.hadoop.fs.Path(path));
  }

  long size(String path) throws IOException {
    return fs.getFileStatus(new org.apache.hadoop.fs.Path(path)).getLen();
  }

  byte[] readBytes(String path) throws IOException {
    try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(path))) {
      return in.readAllBytes();
    }
  }

  String readString(String path) throws IOException {
    try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(path))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The names in a directory, sorted. */
  List<String> list(String dir) throws IOException {
    List<String> names = new ArrayList<>();
    for (FileStatus s : fs.listStatus(new org.apache.hadoop.fs.Path(dir))) {
      names.add(s.getPath().getName());
    }
    names.sort(null);
    return names;
  }

  @Override
  public void close() throws IOException {
    try {
      fs.close();
    } finally {
      cluster.shutdown(true);
    }
  }
}

package dev.sparkmlp.io;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * File access through the Hadoop {@code FileSystem} API, so that every path the project reads or
 * writes may be a plain local path or any Hadoop URI ({@code file://}, {@code hdfs://},
 * {@code s3a://}, ...).
 *
 * <p>A path without a scheme is always local, relative to the working directory, even when a
 * cluster's {@code fs.defaultFS} points elsewhere: a path typed on the command line means the same
 * file on every machine it is typed on. Local files go through {@link RawLocalFileSystem}, which
 * writes no {@code .crc} side files.
 *
 * <p>Errors are thrown as {@link UncheckedIOException}s whose message names the path.
 */
public final class Fs {
  private static final int BUFFER = 1 << 16;
  /** A scheme of two or more letters; one letter followed by ':' is a Windows drive, so local. */
  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.\\-]+:.*");
  private static final SecureRandom RANDOM = new SecureRandom();

  private static volatile Configuration conf;
  private static volatile RawLocalFileSystem local;

  private Fs() {}

  /** Writes one file's bytes; the stream is closed by the caller. */
  @FunctionalInterface
  public interface StreamWriter {
    void write(OutputStream out) throws IOException;
  }

  /** Fills a directory, given as a path string that the other methods of this class accept. */
  @FunctionalInterface
  public interface DirectoryWriter {
    void write(String dir) throws IOException;
  }

  /**
   * Uses {@code c} for every later non-local access, for example Spark's
   * {@code sparkContext.hadoopConfiguration()} so that cluster credentials and settings apply.
   * Without this call a default {@code new Configuration()} is created once.
   */
  public static void setConfiguration(Configuration c) {
    conf = c;
  }

  /** A buffered stream of the file's raw bytes (no decompression). */
  public static InputStream open(String path) {
    return open(path, null);
  }

  /**
   * As {@link #open(String)}, with {@code c} for a non-local file system (null: this JVM's). On a
   * Spark executor, the driver's Hadoop configuration, so that its credentials and settings apply
   * there too.
   */
  public static InputStream open(String path, Configuration c) {
    Loc l = loc(path, c);
    try {
      return new BufferedInputStream(l.fs.open(l.path), BUFFER);
    } catch (FileNotFoundException e) {
      throw new UncheckedIOException("file not found: " + path, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + path + ": " + e.getMessage(), e);
    }
  }

  /** The whole file. Refuses files of 2 GiB or more. */
  public static byte[] readAllBytes(String path) {
    long len = length(path);
    if (len >= Integer.MAX_VALUE - 16) {
      throw new UncheckedIOException(new IOException("file too large to read at once: " + path
          + " (" + len + " bytes)"));
    }
    try (InputStream in = open(path)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  public static boolean exists(String path) {
    Loc l = loc(path);
    try {
      return l.fs.exists(l.path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check whether " + path + " exists: " + e.getMessage(), e);
    }
  }

  public static boolean isDirectory(String path) {
    Loc l = loc(path);
    try {
      return l.fs.getFileStatus(l.path).isDirectory();
    } catch (FileNotFoundException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stat " + path + ": " + e.getMessage(), e);
    }
  }

  /** A file as {@link #stat} found it. */
  public record FileStat(String uri, long length, long modified) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** As {@link #stat(String, Configuration)}, with this JVM's configuration. */
  public static FileStat stat(String path) {
    return stat(path, null);
  }

  /**
   * The file at {@code path}: its fully qualified URI, which names it on any machine (a local
   * path, resolved against this JVM's working directory, becomes {@code file:/...}), its length
   * and its modification time. Null when there is no file there (a directory is not a file).
   * {@code c}: the configuration of a non-local file system, null for this JVM's.
   */
  public static FileStat stat(String path, Configuration c) {
    Loc l = loc(path, c);
    try {
      FileStatus s = l.fs.getFileStatus(l.path);
      if (s.isDirectory()) return null;
      return new FileStat(l.fs.makeQualified(l.path).toString(), s.getLen(),
          s.getModificationTime());
    } catch (FileNotFoundException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stat " + path + ": " + e.getMessage(), e);
    }
  }

  /** The file's length in bytes. */
  public static long length(String path) {
    Loc l = loc(path);
    try {
      return l.fs.getFileStatus(l.path).getLen();
    } catch (FileNotFoundException e) {
      throw new UncheckedIOException("file not found: " + path, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stat " + path + ": " + e.getMessage(), e);
    }
  }

  /** The names (not paths) of the entries of a directory, sorted. */
  public static List<String> list(String dir) {
    Loc l = loc(dir);
    try {
      List<String> names = new ArrayList<>();
      for (FileStatus s : l.fs.listStatus(l.path)) names.add(s.getPath().getName());
      names.sort(null);
      return names;
    } catch (FileNotFoundException e) {
      throw new UncheckedIOException("directory not found: " + dir, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  /** {@code dir/name}, in the same style (plain path or URI) as {@code dir}. */
  public static String resolve(String dir, String name) {
    return dir.endsWith("/") ? dir + name : dir + "/" + name;
  }

  /** Deletes a file, or a directory with everything in it. Returns false if nothing was there. */
  public static boolean delete(String path) {
    Loc l = loc(path);
    try {
      return l.fs.delete(l.path, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Moves the file or directory {@code from} to {@code to} by a rename, first deleting whatever is
   * at {@code to}. Used to keep the previous checkpoint: a crash between the delete and the rename
   * leaves {@code from} in place.
   */
  public static void moveReplacing(String from, String to) {
    Loc f = loc(from);
    Loc t = loc(to);
    try {
      if (t.fs.exists(t.path)) t.fs.delete(t.path, true);
      if (!f.fs.rename(f.path, t.path)) throw new IOException("rename failed");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot move " + from + " to " + to + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes a file in place, creating parent directories and replacing any file there. A reader may
   * see it half-written: use this only inside a directory that {@link #writeDirectoryAtomically}
   * publishes, and {@link #writeAtomically} everywhere else.
   */
  public static void write(String path, StreamWriter writer) {
    Loc l = loc(path);
    try (OutputStream out = new BufferedOutputStream(l.fs.create(l.path, true), BUFFER)) {
      writer.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes a file so that readers see either the old content or the complete new one: the writer
   * fills a temporary sibling {@code .<name>.tmp-<random>}, which is closed and then renamed over
   * the target. If the writer throws, the temporary file is deleted, the target is untouched and
   * the exception propagates (an {@link IOException} wrapped in an {@link UncheckedIOException}).
   * Parent directories are created as needed.
   *
   * <p>On file systems whose rename does not replace an existing file (HDFS), the target is deleted
   * just before the rename, so a crash at that instant leaves no target but a complete temporary.
   */
  public static void writeAtomically(String path, StreamWriter writer) {
    Loc l = loc(path);
    Path parent = parentOf(l, path);
    Path tmp = new Path(parent, "." + l.path.getName() + ".tmp-" + randomSuffix());
    try {
      if (isDir(l.fs, l.path)) throw new IOException("it is a directory");
      l.fs.mkdirs(parent);
      try (OutputStream out = new BufferedOutputStream(l.fs.create(tmp, false), BUFFER)) {
        writer.write(out);
      }
      if (!l.fs.rename(tmp, l.path)) {
        // HDFS-style rename refuses to replace a file; anything else is a real failure.
        if (!l.fs.exists(l.path) || !l.fs.delete(l.path, false) || !l.fs.rename(tmp, l.path)) {
          throw new IOException("rename of " + tmp + " failed");
        }
      }
    } catch (IOException e) {
      deleteQuietly(l.fs, tmp, e);
      throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      deleteQuietly(l.fs, tmp, e);
      throw e;
    }
  }

  /**
   * Writes a directory so that readers see either the old directory or the complete new one. The
   * writer fills a temporary sibling directory {@code .<name>.tmp-<random>}; then any existing
   * target is renamed to {@code .<name>.old-<random>}, the temporary is renamed to the target and
   * the old one is deleted. If the writer throws, the temporary is deleted and the target is
   * untouched. If the final rename fails, the old directory is put back. A crash between the two
   * renames leaves no target, but both complete directories under their temporary names.
   */
  public static void writeDirectoryAtomically(String dir, DirectoryWriter writer) {
    String trimmed = dir.length() > 1 && dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
    Loc l = loc(trimmed);
    Path parent = parentOf(l, trimmed);
    String suffix = randomSuffix();
    Path tmp = new Path(parent, "." + l.path.getName() + ".tmp-" + suffix);
    Path old = new Path(parent, "." + l.path.getName() + ".old-" + suffix);
    try {
      if (l.fs.exists(l.path) && !isDir(l.fs, l.path)) {
        throw new IOException("it exists and is not a directory");
      }
      if (!l.fs.mkdirs(tmp)) throw new IOException("cannot create " + tmp);
      writer.write(l.isLocal ? tmp.toUri().getPath() : tmp.toString());
    } catch (IOException e) {
      deleteQuietly(l.fs, tmp, e);
      throw new UncheckedIOException("cannot write " + dir + ": " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      deleteQuietly(l.fs, tmp, e);
      throw e;
    }
    try {
      boolean hadOld = l.fs.exists(l.path);
      if (hadOld && !l.fs.rename(l.path, old)) {
        throw new IOException("cannot move the existing directory aside to " + old);
      }
      if (!l.fs.rename(tmp, l.path)) {
        if (hadOld) l.fs.rename(old, l.path);
        throw new IOException("rename of " + tmp + " failed");
      }
      if (hadOld) l.fs.delete(old, true);
    } catch (IOException e) {
      deleteQuietly(l.fs, tmp, e);
      throw new UncheckedIOException("cannot write " + dir + ": " + e.getMessage(), e);
    }
  }

  private record Loc(FileSystem fs, Path path, boolean isLocal) {}

  private static Loc loc(String path) {
    return loc(path, null);
  }

  /** {@code c}: the configuration of a non-local file system; null for this JVM's. */
  private static Loc loc(String path, Configuration c) {
    if (path == null || path.isEmpty()) throw new IllegalArgumentException("empty path");
    try {
      if (!SCHEME.matcher(path).matches()) {
        String abs = new File(path).getAbsoluteFile().toPath().normalize().toString();
        return new Loc(local(), new Path("file", null, abs), true);
      }
      URI uri = new Path(path).toUri();
      if ("file".equals(uri.getScheme())) return new Loc(local(), new Path(uri), false);
      return new Loc(FileSystem.get(uri, c == null ? configuration() : c), new Path(uri), false);
    } catch (IOException e) {
      throw new UncheckedIOException("no file system for " + path + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad path " + path + ": " + e.getMessage(), e);
    }
  }

  private static Configuration configuration() {
    Configuration c = conf;
    if (c == null) {
      synchronized (Fs.class) {
        if (conf == null) conf = new Configuration();
        c = conf;
      }
    }
    return c;
  }

  private static RawLocalFileSystem local() throws IOException {
    RawLocalFileSystem fs = local;
    if (fs == null) {
      synchronized (Fs.class) {
        if (local == null) {
          // Our own instance, outside Hadoop's FileSystem cache, so that nobody else closes it.
          RawLocalFileSystem raw = new RawLocalFileSystem();
          raw.initialize(URI.create("file:///"), configuration());
          local = raw;
        }
        fs = local;
      }
    }
    return fs;
  }

  private static Path parentOf(Loc l, String original) {
    Path parent = l.path.getParent();
    if (parent == null) throw new IllegalArgumentException("path has no parent directory: " + original);
    return parent;
  }

  private static boolean isDir(FileSystem fs, Path p) throws IOException {
    try {
      return fs.getFileStatus(p).isDirectory();
    } catch (FileNotFoundException e) {
      return false;
    }
  }

  private static void deleteQuietly(FileSystem fs, Path p, Throwable cause) {
    try {
      fs.delete(p, true);
    } catch (IOException | RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  private static String randomSuffix() {
    byte[] b = new byte[6];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}

package dev.sparkmlp.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsTest {
  @TempDir Path tmp;

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Every file under {@code root}, relative, sorted: shows temp or .crc leftovers. */
  private static List<String> tree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted().toList();
    }
  }

  @Test
  void plainPathWriteReadAndNoCrcFiles() throws IOException {
    String path = tmp.resolve("a/b/data.bin").toString();
    assertFalse(Fs.exists(path));
    Fs.writeAtomically(path, out -> out.write(new byte[] {1, 2, 3}));
    assertTrue(Fs.exists(path));
    assertEquals(3, Fs.length(path));
    assertArrayEquals(new byte[] {1, 2, 3}, Fs.readAllBytes(path));
    try (InputStream in = Fs.open(path)) {
      assertEquals(1, in.read());
    }
    assertEquals(List.of("a", "a/b", "a/b/data.bin"), tree(tmp));
  }

  @Test
  void fileUriAndPlainPathReachTheSameFile() throws IOException {
    Path file = tmp.resolve("x.txt");
    String uri = file.toUri().toString();
    assertTrue(uri.startsWith("file:/"), uri);
    Fs.writeAtomically(uri, out -> out.write(utf8("hello")));
    assertEquals("hello", Files.readString(file));
    assertArrayEquals(utf8("hello"), Fs.readAllBytes(file.toString()));
    assertArrayEquals(utf8("hello"), Fs.readAllBytes("file://" + file));
    assertTrue(Fs.exists("file://" + file));
    assertEquals(List.of("x.txt"), Fs.list(tmp.toString()));
    assertEquals(List.of("x.txt"), tree(tmp));
  }

  @Test
  void relativePathResolvesAgainstTheWorkingDirectory() {
    assertTrue(Fs.exists("pom.xml"));
    assertTrue(Fs.isDirectory("src"));
  }

  @Test
  void writeAtomicallyReplacesTheTarget() throws IOException {
    String path = tmp.resolve("f").toString();
    Fs.writeAtomically(path, out -> out.write(utf8("old, longer content")));
    Fs.writeAtomically(path, out -> out.write(utf8("new")));
    assertEquals("new", Files.readString(tmp.resolve("f")));
    assertEquals(List.of("f"), tree(tmp));
  }

  @Test
  void failingWriterLeavesTheOldFileAndNoTemp() throws IOException {
    String path = tmp.resolve("f").toString();
    Fs.writeAtomically(path, out -> out.write(utf8("old")));
    var e = assertThrows(UncheckedIOException.class, () -> Fs.writeAtomically(path, out -> {
      out.write(utf8("half of the new"));
      out.flush();
      throw new IOException("disk full");
    }));
    assertTrue(e.getMessage().contains(path) && e.getMessage().contains("disk full"), e.getMessage());
    IllegalStateException boom = new IllegalStateException("boom");
    assertSame(boom, assertThrows(IllegalStateException.class, () -> Fs.writeAtomically(path, out -> {
      out.write(utf8("more"));
      throw boom;
    })));
    assertEquals("old", Files.readString(tmp.resolve("f")));
    assertEquals(List.of("f"), tree(tmp));
  }

  @Test
  void writeDirectoryAtomicallyReplacesTheWholeDirectory() throws IOException {
    String dir = tmp.resolve("out").toString();
    Fs.writeDirectoryAtomically(dir, d -> {
      Fs.write(Fs.resolve(d, "one"), out -> out.write(1));
      Fs.write(Fs.resolve(d, "two"), out -> out.write(2));
    });
    assertEquals(List.of("out", "out/one", "out/two"), tree(tmp));
    Fs.writeDirectoryAtomically(dir + "/", d -> Fs.write(Fs.resolve(d, "three"), out -> out.write(3)));
    assertEquals(List.of("out", "out/three"), tree(tmp));
    assertArrayEquals(new byte[] {3}, Fs.readAllBytes(dir + "/three"));
  }

  @Test
  void failingDirectoryWriterLeavesTheOldDirectoryAndNoTemp() throws IOException {
    String dir = tmp.resolve("out").toString();
    Fs.writeDirectoryAtomically(dir, d -> Fs.write(Fs.resolve(d, "one"), out -> out.write(1)));
    var e = assertThrows(UncheckedIOException.class, () -> Fs.writeDirectoryAtomically(dir, d -> {
      Fs.write(Fs.resolve(d, "one"), out -> out.write(9));
      Fs.write(Fs.resolve(d, "two"), out -> out.write(9));
      throw new IOException("interrupted mid-way");
    }));
    assertTrue(e.getMessage().contains(dir), e.getMessage());
    assertEquals(List.of("out", "out/one"), tree(tmp));
    assertArrayEquals(new byte[] {1}, Fs.readAllBytes(dir + "/one"));
  }

  @Test
  void directoryWriterWorksThroughFileUris() throws IOException {
    String dir = tmp.resolve("u").toUri().toString();
    Fs.writeDirectoryAtomically(dir, d -> {
      assertTrue(d.startsWith("file:"), d);
      Fs.write(Fs.resolve(d, "f"), out -> out.write(7));
    });
    Fs.writeDirectoryAtomically(dir, d -> Fs.write(Fs.resolve(d, "g"), out -> out.write(8)));
    assertEquals(List.of("u", "u/g"), tree(tmp));
  }

  @Test
  void errorsNameThePath() {
    String missing = tmp.resolve("nope.bin").toString();
    var e = assertThrows(UncheckedIOException.class, () -> Fs.open(missing));
    assertTrue(e.getMessage().contains(missing), e.getMessage());
    var d = assertThrows(UncheckedIOException.class, () -> Fs.writeAtomically(tmp.toString(), out -> { }));
    assertTrue(d.getMessage().contains(tmp.toString()) && d.getMessage().contains("directory"), d.getMessage());
  }
}

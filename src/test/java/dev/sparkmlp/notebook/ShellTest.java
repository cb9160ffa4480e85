package dev.sparkmlp.notebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The kernel's evaluation core without the Jupyter protocol: values, errors, displays. */
class ShellTest {
  private static Shell shell;
  private static final List<Map<String, String>> shown = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    shell = new Shell();
    Display.sendTo(shown::add);
  }

  @AfterAll
  static void stop() {
    Display.sendTo(null);
    shell.close();
  }

  @Test
  void lastExpressionIsTheValueAndDeclarationsCarryAcrossCells() throws Exception {
    assertNull(shell.eval("int a = 20;\nint b = 22;"));
    assertEquals("42", shell.eval("int c = a + b;\nc"));
    assertEquals("[1, 2]", shell.eval("List.of(1, 2)")); // the startup imports java.util
    assertNull(shell.eval("System.out.printf(\"\");"), "a closing semicolon hides the value (a PrintStream here)");
    assertEquals("true", shell.eval("System.out.printf(\"\") instanceof java.io.PrintStream"));
    assertEquals("\"text\"", shell.eval("\"text\"  "), "a string shows as JShell prints it, quoted");
    assertNull(shell.eval("c;"));
  }

  @Test
  void compileErrorStopsTheCellAndPointsAtTheError() throws Exception {
    shell.eval("int ranBefore = 0;");
    Shell.CellException e = assertThrows(Shell.CellException.class,
        () -> shell.eval("ranBefore = 1;\nint bad = \"text\";\nranBefore = 2;"));
    assertTrue(e.getMessage().startsWith("compilation failed: incompatible types"), e.getMessage());
    assertEquals(List.of("int bad = \"text\";", "          ^"), e.lines().subList(0, 2));
    assertEquals(0, e.getStackTrace().length);
    assertEquals("1", shell.eval("ranBefore"), "the snippet before the bad one ran, the one after did not");
  }

  @Test
  void exceptionBecomesAnErrorWithTheSnippetsStackOnly() {
    Shell.CellException e = assertThrows(Shell.CellException.class,
        () -> shell.eval("void f() { throw new IllegalStateException(\"boom\", new ArithmeticException(\"root\")); }\nf();"));
    assertEquals("java.lang.IllegalStateException: boom", e.getMessage());
    assertTrue(e.lines().contains("Caused by: java.lang.ArithmeticException: root"), e.lines().toString());
    assertTrue(e.lines().stream().anyMatch(l -> l.startsWith("\tat ") && l.contains(".f(")), e.lines().toString());
    assertFalse(e.lines().stream().anyMatch(l -> l.contains("jdk.jshell.")), e.lines().toString());
    assertTrue(e.getStackTrace().length > 0);
  }

  @Test
  void incompleteInputIsAnError() {
    Shell.CellException e = assertThrows(Shell.CellException.class, () -> shell.eval("for (int i = 0; i < 2; i++) {"));
    assertTrue(e.getMessage().startsWith("incomplete input: for"), e.getMessage());
    assertEquals("incomplete", shell.completeness("for (int i = 0; i < 2; i++) {"));
    assertEquals("complete", shell.completeness("int z = 1;"));
  }

  @Test
  void stopEndsTheRunningCellWithAnInterruptedError() throws Exception {
    Thread stopper = new Thread(() -> {
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        return;
      }
      shell.stop();
    });
    long t0 = System.nanoTime();
    stopper.start();
    Shell.CellException e = assertThrows(Shell.CellException.class, () -> shell.eval("Thread.sleep(60_000);\nint after = 1;"));
    stopper.join();
    assertEquals("interrupted", e.getMessage());
    assertTrue(System.nanoTime() - t0 < 30_000_000_000L, "stopped well before the sleep ended");
    assertEquals("7", shell.eval("3 + 4"), "the next cell runs");
    assertThrows(Shell.CellException.class, () -> shell.eval("after"), "the rest of the stopped cell did not run");
  }

  @Test
  void displayOfAPngFromACellSendsImagePng() throws Exception {
    BufferedImage img = new BufferedImage(7, 3, BufferedImage.TYPE_INT_RGB);
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    ImageIO.write(img, "png", buf);
    byte[] png = buf.toByteArray();
    shown.clear();
    shell.eval("byte[] png = java.util.Base64.getDecoder().decode(\"" + Base64.getEncoder().encodeToString(png) + "\");");
    shell.eval("display(png);");
    assertEquals(1, shown.size());
    assertArrayEquals(png, Base64.getDecoder().decode(shown.get(0).get("image/png")));
    assertEquals("<PNG image 7x3>", shown.get(0).get("text/plain"));

    Shell.CellException e = assertThrows(Shell.CellException.class, () -> shell.eval("display(new byte[30]);"));
    assertTrue(e.getMessage().startsWith("java.lang.IllegalArgumentException: display: not a PNG image"), e.getMessage());
    assertEquals(1, shown.size());
  }
}

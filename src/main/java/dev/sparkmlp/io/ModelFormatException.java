package dev.sparkmlp.io;

/**
 * A saved model or checkpoint that cannot be read: a missing file, bad JSON, a missing or
 * wrong-typed field, or weights that disagree with their description. The message is one line that
 * names the file and, where there is one, the field.
 */
public final class ModelFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelFormatException(String message) {
    super(message);
  }

  public ModelFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}

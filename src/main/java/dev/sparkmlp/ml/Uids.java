package dev.sparkmlp.ml;

/**
 * Gives a Java Params class its uid while the Scala superclass constructor runs. The shared
 * params of Spark's Has* traits ({@code featuresCol}, {@code labelCol}, ...) are created in that
 * constructor and record {@code uid()} as their parent; a Java field is still null then, and
 * params owned by "null" would later fail Spark's ownership check. So the public constructors
 * pass the uid through {@link #pending} in the argument of {@code this(...)}, which runs before
 * the superclass constructor; {@code uid()} reads {@link #current()} until the field is set.
 */
final class Uids {
  private static final ThreadLocal<String> PENDING = new ThreadLocal<>();

  private Uids() {}

  /** Marks {@code uid} as the uid of the instance under construction on this thread. */
  static Pending pending(String uid) {
    if (uid == null || uid.isEmpty()) throw new IllegalArgumentException("uid is empty");
    PENDING.set(uid);
    return new Pending(uid);
  }

  /** The uid of the instance under construction on this thread, or null. */
  static String current() {
    return PENDING.get();
  }

  /** A uid handed from a public constructor to the private one that sets the field. */
  static final class Pending {
    private final String uid;

    private Pending(String uid) {
      this.uid = uid;
    }

    /** The uid; the construction is over, so the thread forgets it. */
    String take() {
      PENDING.remove();
      return uid;
    }
  }
}

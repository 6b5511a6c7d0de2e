package io.dynconf.radix.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A reusable, caller-owned holder for the parameters a {@link PathTree} match captured. It keeps
 * offsets into the matched path; a value becomes a {@code String} only when asked for, so filling
 * it allocates nothing once its arrays are large enough. Not thread-safe: one per thread or call.
 */
public final class PathParams {

  private static final String[] NO_NAMES = new String[0];

  private String path = "";
  private @Nullable String host;
  /** The request method's bit for the plain-mask fast path of the current match, or 0 (none). */
  int methodBit;
  private String[] names = NO_NAMES;
  private int size;
  private int[] starts;
  private int[] ends;

  public PathParams() {
    this(4);
  }

  public PathParams(int initialCapacity) {
    starts = new int[Math.max(1, initialCapacity)];
    ends = new int[Math.max(1, initialCapacity)];
  }

  /** Number of bound parameters. */
  public int size() {
    return size;
  }

  public String name(int i) {
    checkIndex(i);
    return names[i];
  }

  /** The value of parameter {@code i} (allocates a substring). */
  public String value(int i) {
    checkIndex(i);
    return path.substring(starts[i], ends[i]);
  }

  /** The value bound to {@code name}, or null when the match bound no such name. */
  public @Nullable String get(String name) {
    for (int i = 0; i < size; i++) {
      if (names[i].equals(name)) {
        return path.substring(starts[i], ends[i]);
      }
    }
    return null;
  }

  /** A new map of the parameters in path order. */
  public Map<String, String> toMap() {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < size; i++) {
      map.put(names[i], value(i));
    }
    return map;
  }

  /** Forgets all parameters. */
  public void clear() {
    size = 0;
    names = NO_NAMES;
    path = "";
  }

  /**
   * The path and request host of the current match (the host's end before any port is found only
   * where a host index needs it). A reference is stored only when it changes: each store into
   * this long-lived holder costs a GC write barrier.
   */
  void start(String path, @Nullable String host) {
    this.path = path;
    if (this.host != host) {
      this.host = host;
    }
  }

  @Nullable String host() {
    return host;
  }

  void ensureCapacity(int n) {
    if (starts.length < n) {
      starts = java.util.Arrays.copyOf(starts, n);
      ends = java.util.Arrays.copyOf(ends, n);
    }
  }

  void capture(int i, int start, int end) {
    starts[i] = start;
    ends[i] = end;
  }

  /** Binds no parameters (a match of an exact path); unlike {@link #clear} it stores no reference when none was bound. */
  public void none() {
    bind(NO_NAMES);
  }

  /** The names of the candidate being tried (its captures are in place); the path is the match's. */
  void bind(String[] names) {
    if (this.names != names) {
      this.names = names;
    }
    this.size = names.length;
  }

  private void checkIndex(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException("parameter " + i + " of " + size);
    }
  }

  @Override
  public String toString() {
    return toMap().toString();
  }
}

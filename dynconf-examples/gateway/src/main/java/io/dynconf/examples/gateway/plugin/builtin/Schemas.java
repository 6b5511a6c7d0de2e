package io.dynconf.examples.gateway.plugin.builtin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The published JSON Schemas of the built-in plugins, bundled as {@code schema/<name>.json} next to this class. */
final class Schemas {
  private Schemas() {}

  /** The schema text of plugin {@code name}; fails at once when it is not bundled (a build error, not a runtime condition). */
  static String load(String name) {
    try (InputStream in = Schemas.class.getResourceAsStream("schema/" + name + ".json")) {
      if (in == null) {
        throw new IllegalStateException("no bundled schema for plugin " + name + " (schema/" + name + ".json)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the bundled schema of plugin " + name, e);
    }
  }
}

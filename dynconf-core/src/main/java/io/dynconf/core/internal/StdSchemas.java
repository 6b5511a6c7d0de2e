package io.dynconf.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.everit.json.schema.Schema;
import org.everit.json.schema.loader.SchemaLoader;
import org.json.JSONObject;
import org.json.JSONTokener;

/** Loads one definition of a bundled schema file (for example the chash key schemas) as a schema of its own. */
final class StdSchemas {
  private StdSchemas() {}

  /** {@code #/definitions/<name>} of {@code io/dynconf/core/schema/<file>}. */
  static Schema definition(String file, String name) {
    String resource = "/io/dynconf/core/schema/" + file;
    try (InputStream in = StdSchemas.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing schema resource " + resource);
      }
      JSONObject root = new JSONObject(new JSONTokener(in));
      JSONObject wrapper = new JSONObject()
          .put("$schema", root.get("$schema"))
          .put("definitions", root.getJSONObject("definitions"))
          .put("$ref", "#/definitions/" + name);
      return SchemaLoader.builder().schemaJson(wrapper).draftV7Support().build().load().build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read schema resource " + resource, e);
    }
  }
}

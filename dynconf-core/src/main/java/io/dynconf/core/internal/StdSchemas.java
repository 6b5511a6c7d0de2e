package io.dynconf.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.everit.json.schema.Schema;
import org.everit.json.schema.loader.SchemaLoader;
import org.json.JSONObject;
import org.json.JSONTokener;

/** Loads one definition of a bundled schema file (for example the chash key schemas) as a schema of its own. */
public final class StdSchemas {
  private StdSchemas() {}

  /**
   * {@code io/dynconf/core/apisix/schema/<file>} without its top-level {@code anyOf}, {@code allOf},
   * {@code oneOf} and {@code not}. Those encode which fields must or must not appear together;
   * everit evaluates every branch and builds a formatted exception for each one that fails, which
   * made them three quarters of the cost of validating a route. The caller checks the same rules
   * in Java, on field presence (see {@code StdDecoders#routePresence}).
   */
  public static Schema withoutTopLevelCombinators(String file) {
    String resource = "/io/dynconf/core/apisix/schema/" + file;
    try (InputStream in = StdSchemas.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing schema resource " + resource);
      }
      JSONObject root = new JSONObject(new JSONTokener(in));
      for (String combinator : new String[] {"anyOf", "allOf", "oneOf", "not"}) {
        root.remove(combinator);
      }
      return SchemaLoader.builder().schemaJson(root).draftV7Support().build().load().build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read schema resource " + resource, e);
    }
  }

  /** {@code #/definitions/<name>} of {@code io/dynconf/core/apisix/schema/<file>}. */
  static Schema definition(String file, String name) {
    String resource = "/io/dynconf/core/apisix/schema/" + file;
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

package io.dynconf.core.admin;

import static io.dynconf.core.admin.Responses.*;

/**
 * The {@code force} and {@code dry_run} query flags of a write. {@code force} is on for {@code
 * true} only, any other value leaves it off (APISIX reads it so: {@code force=anyvalue} deletes
 * nothing in use); {@code dry_run}, this API's own, is {@code true} or {@code false}.
 */
record Flags(boolean force, boolean dryRun) {
  static Flags of(AdminRequest request) {
    return new Flags("true".equals(request.query().get("force")), flag(request, "dry_run"));
  }

  private static boolean flag(AdminRequest request, String name) {
    String v = request.query().get(name);
    if (v == null || v.equals("false")) {
      return false;
    }
    if (v.equals("true")) {
      return true;
    }
    throw Problem.badRequest("invalid argument " + name + ": should be true or false, was " + quote(v));
  }
}

package io.dynconf.core.admin;

import static io.dynconf.core.admin.Responses.*;

/** The {@code force} and {@code dry_run} query flags of a write. */
record Flags(boolean force, boolean dryRun) {
  static Flags of(AdminRequest request) {
    return new Flags(flag(request, "force"), flag(request, "dry_run"));
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

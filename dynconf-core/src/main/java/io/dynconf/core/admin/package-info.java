/**
 * The admin API: APISIX Admin API v3 paths, verbs and bodies over any {@link
 * io.dynconf.core.spi.ConfigSource}, transport-agnostic (request in, response out). Every write is
 * validated by the data plane's own pipeline and committed in one source transaction together with
 * the reference checks it depends on. Entry point: {@link io.dynconf.core.admin.AdminApi} (with
 * {@link io.dynconf.core.admin.AdminRequest}, {@link io.dynconf.core.admin.AdminResponse} and
 * {@link io.dynconf.core.admin.AdminRole}).
 *
 * <p>Package-private parts, one concern each: {@code AdminContext} (what they share: source,
 * types, keys, validation, timestamps), {@code Authenticator}, {@code Reads} (GET, listings,
 * schemas), {@code Writes} (PUT/POST/PATCH/DELETE and the write loop), {@code ReferenceGuard}
 * (references between objects), {@code CrossChecks} (checks against other objects of the kind),
 * {@code Bulk}, {@code PluginEndpoints} ({@code /plugins...}), {@code Validations} ({@code
 * /schema/validate}, {@code /configs/validate}), {@code Responses}, {@code Conditions} and {@code
 * Flags} (request options), {@code Calls} (deadline-bounded source calls), {@code Json}.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.core.admin;

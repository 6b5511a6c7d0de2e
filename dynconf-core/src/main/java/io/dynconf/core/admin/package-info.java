/**
 * The admin API: APISIX Admin API v3 paths, verbs and bodies over any {@link
 * io.dynconf.core.spi.ConfigSource}, transport-agnostic (request in, response out). Every write is
 * validated by the data plane's own pipeline and committed in one source transaction together with
 * the reference checks it depends on. Entry point: {@link io.dynconf.core.admin.AdminApi}.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.core.admin;

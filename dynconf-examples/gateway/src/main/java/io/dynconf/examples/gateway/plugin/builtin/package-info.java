/** The gateway's built-in plugins, configured with APISIX's JSON. */
@org.jspecify.annotations.NullMarked
package io.dynconf.examples.gateway.plugin.builtin;

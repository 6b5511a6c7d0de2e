/**
 * Request matching on configuration: route {@code vars} expressions ({@link
 * io.dynconf.core.match.VarsExpression}) evaluated against the request variables a host server
 * exposes through {@link io.dynconf.core.match.VarLookup}. Parsed expressions are immutable and
 * safe to share between threads; evaluating one never throws on any variable value.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.core.match;

/**
 * Implementation details of the balancers (node state, health policy, the built-in algorithms).
 * Public only for the other packages of this module; not an API, may change in any release.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.radix.balance.internal;

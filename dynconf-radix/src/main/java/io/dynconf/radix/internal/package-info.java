/**
 * Implementation details of dynconf-radix, such as the radix-tree nodes and the builders that
 * compile routes into them. Classes here are public only so that other packages of this module
 * can use them; they are not part of the API, may change or disappear in any release without
 * notice, and must not be used by applications or by other dynconf modules.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.radix.internal;

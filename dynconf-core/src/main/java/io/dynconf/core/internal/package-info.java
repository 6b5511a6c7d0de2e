/**
 * Implementation details of dynconf-core. Classes here are public only so that other packages of
 * this module can use them; they are not part of the API, may change or disappear in any release
 * without notice, and must not be used by applications or by other dynconf modules. Anything that
 * callers need must be exposed through {@code io.dynconf.core} or {@code io.dynconf.core.spi}.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.core.internal;

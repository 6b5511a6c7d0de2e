/**
 * The public API of dynconf-core: the data model that mirrors Apache APISIX's configuration in
 * etcd. This package holds the value types that applications and the other dynconf modules see
 * directly, such as {@link io.dynconf.core.ResourceKey}, which names one resource (a route, an
 * upstream, a plugin's metadata, ...) by its etcd key. Everything here is immutable, validates its
 * input eagerly and is covered by semantic versioning; types that only exist to implement this API
 * belong in {@code io.dynconf.core.internal}, and extension points belong in
 * {@code io.dynconf.core.spi}.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.core;

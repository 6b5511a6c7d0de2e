/**
 * The engine of dynconf-core: typed, validated, versioned stores of configuration kept current
 * from a {@link io.dynconf.core.spi.ConfigSource}. It knows nothing of APISIX: a {@link
 * io.dynconf.core.ResourceType} says how values under one key prefix are parsed, checked and
 * referenced, and the APISIX model in {@code io.dynconf.core.apisix} is one set of such types
 * (the registry's default).
 *
 * <p>Public types: {@link io.dynconf.core.ConfigRegistry} (the apply loop, the stores and the
 * listeners; built with a source and the types to keep), {@link io.dynconf.core.ConfigSnapshot}
 * (every store at one revision, atomically), {@link io.dynconf.core.ConfigStore} (one type's
 * items), {@link io.dynconf.core.ConfigItem} (one value with its revisions), {@link
 * io.dynconf.core.ConfigUpdate} and {@link io.dynconf.core.StoreChange} (what a listener is told),
 * {@link io.dynconf.core.ResourceType} and {@link io.dynconf.core.ResourceKey} (what a value is
 * and where it lives), {@link io.dynconf.core.Reference} (one value naming another), {@link
 * io.dynconf.core.Rejection} and {@link io.dynconf.core.Pending} (values not served, and why),
 * {@link io.dynconf.core.InvalidConfigException}.
 *
 * <p>Neighbouring packages: {@code source} (the in-memory and APISIX standalone-file sources),
 * {@code apisix} (APISIX's resource model), {@code admin} (the APISIX Admin API over any source),
 * {@code match} (route {@code vars} expressions), {@code spi} (what a source implements) and
 * {@code internal} (implementation; not importable from other modules, a build rule).
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.core;

/**
 * Service-provider interfaces of dynconf-core: the contracts that other modules or applications
 * implement to plug into the core, for example a source of configuration changes (the etcd
 * watcher in dynconf-etcd is one) or a decoder for an additional resource type. Types here are
 * interfaces and the small value types that appear in their signatures; they are public and
 * versioned like the API, but are meant to be implemented rather than merely called.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.core.spi;

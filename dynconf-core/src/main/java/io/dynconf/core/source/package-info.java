/**
 * Configuration sources that need no server: {@link io.dynconf.core.source.InMemorySource} (an
 * etcd-like keyspace in memory, with revisions, transactions, compaction and watches; for tests
 * and embedded use) and {@link io.dynconf.core.source.FileSource} (APISIX's standalone
 * {@code apisix.yaml}/{@code apisix.json}, watched for edits and written back by the admin API).
 * Both implement {@link io.dynconf.core.spi.ConfigSource}, as does the etcd source in
 * dynconf-etcd.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.core.source;

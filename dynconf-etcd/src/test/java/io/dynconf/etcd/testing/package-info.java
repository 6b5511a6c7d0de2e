/**
 * A real etcd cluster for tests (this module's test-jar): {@link io.dynconf.etcd.testing.EtcdCluster}
 * starts 1..7 members as child processes on loopback ports, each behind a fault-injecting {@link
 * io.dynconf.etcd.testing.TcpProxy}; {@link io.dynconf.etcd.testing.EtcdClusterExtension} wraps it
 * for JUnit 5. Needs only the JDK and JUnit's API (Testcontainers only as the Docker fallback).
 */
@NullMarked
package io.dynconf.etcd.testing;

import org.jspecify.annotations.NullMarked;

/**
 * dynconf's etcd source: {@link io.dynconf.etcd.EtcdSource} (a {@link
 * io.dynconf.core.spi.ConfigSource} over one etcd prefix, one watch, relist on compaction) and its
 * status, {@link io.dynconf.etcd.EtcdStatus}. The watch loop lives in {@code
 * io.dynconf.etcd.internal}, which no other module may import (a build rule). The test-jar of this
 * module holds {@code io.dynconf.etcd.testing}, a real etcd cluster for tests with fault controls.
 */
@NullMarked
package io.dynconf.etcd;

import org.jspecify.annotations.NullMarked;

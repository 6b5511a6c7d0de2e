/**
 * dynconf's etcd source: the public API (the source and its options) lives here. The source
 * itself arrives with the etcd source issue; the test-jar of this module already holds {@code
 * io.dynconf.etcd.testing}, a real etcd cluster for tests with fault controls.
 */
@NullMarked
package io.dynconf.etcd;

import org.jspecify.annotations.NullMarked;

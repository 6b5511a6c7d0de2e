/** Implementation of the etcd source; not API, never imported by another module. */
@NullMarked
package io.dynconf.etcd.internal;

import org.jspecify.annotations.NullMarked;

/** Extension points of the etcd source (for example, how credentials or TLS material are supplied). */
@NullMarked
package io.dynconf.etcd.spi;

import org.jspecify.annotations.NullMarked;

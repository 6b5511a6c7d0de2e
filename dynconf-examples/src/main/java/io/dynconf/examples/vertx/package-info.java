/**
 * The gateway example on Vert.x Web: the same etcd-fed routing as the Netty gateway, plugged into
 * a Vert.x {@code Router}, to show how dynconf runs on an event loop without blocking it. It
 * reuses the command-line types of {@code io.dynconf.examples.gateway} and contains only what is
 * specific to Vert.x.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.examples.vertx;

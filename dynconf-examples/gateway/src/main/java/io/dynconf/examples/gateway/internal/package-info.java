/**
 * Implementation details of the Netty gateway example: channel handlers, the proxy client and
 * the glue between the etcd watcher and the router. Nothing here is meant to be reused outside
 * the example; read it as a reference for wiring dynconf into a server, and expect it to change
 * with the example.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.examples.gateway.internal;

/**
 * The gateway example on Undertow: the same etcd-fed routing as the Netty gateway, implemented
 * as an Undertow {@code HttpHandler}, to show how dynconf fits a blocking-capable server with its
 * own worker pool. It reuses the command-line types of {@code io.dynconf.examples.gateway} and
 * contains only what is specific to Undertow.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.examples.undertow;

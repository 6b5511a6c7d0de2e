/**
 * The gateway's HTTPS listener: certificates chosen per connection by SNI from the ssls store
 * ({@link io.dynconf.examples.gateway.tls.SniCertificates}), private keys sealed with AES-GCM
 * ({@link io.dynconf.examples.gateway.tls.KeyEncryption}), and the few X.509 structures the JDK
 * cannot build by itself ({@link io.dynconf.examples.gateway.tls.Certificates}). Design notes:
 * TLS.md beside the gateway's sources.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.examples.gateway.tls;

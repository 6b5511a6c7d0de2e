/**
 * The gateway's HTTPS listener: certificates chosen per connection by SNI from the ssls store
 * ({@link io.dynconf.examples.gateway.tls.SniCertificates}), private keys sealed with AES-GCM
 * ({@link io.dynconf.examples.gateway.tls.KeyEncryption}). PEM parsing and the self-signed default
 * certificate come from dynconf-core ({@link io.dynconf.core.tls.Pem}, {@link
 * io.dynconf.core.tls.Certificates}). Design notes:
 * TLS.md beside the gateway's sources.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.examples.gateway.tls;

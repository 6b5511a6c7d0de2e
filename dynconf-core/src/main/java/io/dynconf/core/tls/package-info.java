/**
 * PEM and X.509 with the JDK alone, the one place dynconf reads and writes them: {@link
 * io.dynconf.core.tls.Pem} parses certificates and private keys (PKCS#8, PKCS#1 RSA, SEC1 EC; the
 * ssls checker and the gateway's TLS listener both read keys here) and writes PEM; {@link
 * io.dynconf.core.tls.Certificates} issues X.509 v3 certificates (the gateway's self-signed default
 * certificate, and the CAs and leaves of tests). The few DER structures the JDK has no public API
 * for are written by one package-private encoder. {@link io.dynconf.core.tls.TrustAll} is the one
 * client context that verifies nothing (APISIX's verification switches turned off: health checks,
 * the loggers).
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.core.tls;

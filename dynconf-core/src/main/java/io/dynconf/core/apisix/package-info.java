/**
 * Apache APISIX's configuration model as dynconf resource types: the records ({@link
 * io.dynconf.core.apisix.Route}, {@link io.dynconf.core.apisix.Upstream}, {@link
 * io.dynconf.core.apisix.Service}, {@link io.dynconf.core.apisix.Consumer}, {@link
 * io.dynconf.core.apisix.ConsumerGroup}, {@link io.dynconf.core.apisix.Ssl}, {@link
 * io.dynconf.core.apisix.GlobalRule}, {@link io.dynconf.core.apisix.PluginConfig}, {@link
 * io.dynconf.core.apisix.PluginMetadata}, {@link io.dynconf.core.apisix.Proto}, {@link
 * io.dynconf.core.apisix.Secret}, {@link io.dynconf.core.apisix.StreamRoute}), {@link
 * io.dynconf.core.apisix.StandardTypes} (their {@link io.dynconf.core.ResourceType}s, with
 * APISIX's JSON schemas, checks and references: the same etcd layout and JSON as APISIX), {@link
 * io.dynconf.core.apisix.PluginCatalog} (which plugins a host accepts, and with {@link
 * io.dynconf.core.apisix.PluginInfo} the schemas it publishes; {@code StandardTypes.withBalancers}
 * for the upstream types its balancers implement). An ssl's certificates and keys are parsed by
 * {@link io.dynconf.core.tls.Pem}.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.core.apisix;

package io.dynconf.etcd.internal;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.MethodDescriptor;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * Transaction comparisons over a key range ({@code Txn.ifUnchangedSince}) through jetcd's public
 * API only. etcd (3.3 and later) applies a comparison with a {@code range_end} to every key of the
 * range, but jetcd 0.8 has no public way to set it: {@code Cmp.toCompare} is package-private, and a
 * subclass in jetcd's package {@code io.etcd.jetcd.op} (what this replaces) splits that package
 * between two jars, which the module system refuses ("package io.etcd.jetcd.op in both module
 * io.dynconf.etcd and module jetcd.core").
 *
 * <p>So {@link #modRevisionBelow} builds an ordinary comparison on a marker key (a random 16-byte
 * token of this source, then the range's first key), and this interceptor, installed on every
 * client the source builds ({@code ClientBuilder.interceptor}), rewrites it in the outgoing {@code
 * KV/Txn} request into {@code mod_revision < below} over {@code [prefix, prefix end)}. It fails
 * closed: a marked comparison that reached etcd unrewritten compares an absent key's
 * mod_revision (0) for equality with {@code below >= 1}, which never holds, so the transaction
 * fails (a conflict), never succeeds unguarded. Nothing else is touched: a request without the
 * token passes as it is, and the token cannot be guessed by other users of the client.
 */
public final class RangeCompares implements ClientInterceptor {
  private final ByteString marker;

  public RangeCompares() {
    byte[] token = new byte[16];
    new SecureRandom().nextBytes(token);
    this.marker = ByteString.copyFrom("\u0000dynconf-range\u0000", StandardCharsets.US_ASCII).concat(ByteString.copyFrom(token));
  }

  /** Holds when every key starting with {@code prefix} has a mod revision below {@code below} (at least 1). */
  public Cmp modRevisionBelow(ByteSequence prefix, long below) {
    if (below < 1) {
      throw new IllegalArgumentException("revision bound must be at least 1, was " + below);
    }
    return new Cmp(ByteSequence.from(marker.concat(ByteString.copyFrom(prefix.getBytes()))), Cmp.Op.EQUAL, CmpTarget.modRevision(below));
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
    ClientCall<ReqT, RespT> call = next.newCall(method, options);
    if (!KVGrpc.getTxnMethod().getFullMethodName().equals(method.getFullMethodName())) {
      return call;
    }
    return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
      @Override
      @SuppressWarnings("unchecked") // the method is KV/Txn, whose request type is TxnRequest
      public void sendMessage(ReqT message) {
        super.sendMessage(message instanceof TxnRequest t ? (ReqT) rewrite(t) : message);
      }
    };
  }

  /** The request with every marked comparison turned into its range comparison. */
  TxnRequest rewrite(TxnRequest request) {
    TxnRequest.Builder out = null;
    for (int i = 0; i < request.getCompareCount(); i++) {
      Compare c = request.getCompare(i);
      if (c.getKey().startsWith(marker) && c.getRangeEnd().isEmpty() && c.getTarget() == Compare.CompareTarget.MOD) {
        ByteString start = c.getKey().substring(marker.size());
        if (out == null) {
          out = request.toBuilder();
        }
        out.setCompare(i, c.toBuilder().setKey(start).setRangeEnd(prefixEnd(start)).setResult(Compare.CompareResult.LESS).build());
      }
    }
    return out == null ? request : out.build();
  }

  /** The end of the range of keys starting with {@code prefix}: its last byte below 0xff plus one, the rest dropped. */
  static ByteString prefixEnd(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0}); // every key from prefix on
  }
}

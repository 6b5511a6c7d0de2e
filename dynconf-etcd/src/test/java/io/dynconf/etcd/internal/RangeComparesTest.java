package io.dynconf.etcd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.TxnRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The interceptor's rewrite; EtcdSourceContractTest checks on a real etcd that the range reaches the server. */
class RangeComparesTest {
  private static ByteString b(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  @Test
  void onlyMarkedComparisonsBecomeRangesAndOthersPassUntouched() {
    RangeCompares guard = new RangeCompares();
    Compare plain = Compare.newBuilder().setKey(b("/apisix/routes/1")).setTarget(Compare.CompareTarget.MOD)
        .setResult(Compare.CompareResult.EQUAL).setModRevision(7).build();
    TxnRequest untouched = TxnRequest.newBuilder().addCompare(plain).build();
    assertThat(guard.rewrite(untouched)).isSameAs(untouched);

    TxnRequest viaJetcd = TxnRequest.newBuilder().addCompare(plain).addCompare(marked(guard, "/apisix/upstreams/", 42)).build();
    TxnRequest out = guard.rewrite(viaJetcd);
    assertThat(out.getCompare(0)).isEqualTo(plain);
    Compare range = out.getCompare(1);
    assertThat(range.getKey()).isEqualTo(b("/apisix/upstreams/"));
    assertThat(range.getRangeEnd()).isEqualTo(b("/apisix/upstreams0"));
    assertThat(range.getResult()).isEqualTo(Compare.CompareResult.LESS);
    assertThat(range.getModRevision()).isEqualTo(42);
    // unrewritten, it would compare an absent key (mod revision 0) for equality with 42: never holds
    assertThat(viaJetcd.getCompare(1).getResult()).isEqualTo(Compare.CompareResult.EQUAL);

    // another source's marker is not this one's: left alone, so it fails closed at etcd
    TxnRequest foreign = TxnRequest.newBuilder().addCompare(marked(new RangeCompares(), "/apisix/upstreams/", 42)).build();
    assertThat(guard.rewrite(foreign)).isSameAs(foreign);
  }

  @Test
  void prefixEndSkipsTrailingFfBytes() {
    assertThat(RangeCompares.prefixEnd(ByteString.copyFrom(new byte[] {'a', (byte) 0xff}))).isEqualTo(b("b"));
    assertThat(RangeCompares.prefixEnd(ByteString.copyFrom(new byte[] {(byte) 0xff}))).isEqualTo(ByteString.copyFrom(new byte[] {0}));
  }

  /** The Compare jetcd sends for {@code guard.modRevisionBelow(prefix, below)} (jetcd's own conversion is package-private). */
  private static Compare marked(RangeCompares guard, String prefix, long below) {
    io.etcd.jetcd.op.Cmp cmp = guard.modRevisionBelow(io.etcd.jetcd.ByteSequence.from(prefix, StandardCharsets.UTF_8), below);
    TxnRequest[] sent = new TxnRequest[1];
    io.etcd.jetcd.op.TxnImpl.newTxn(r -> {
      sent[0] = r;
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    }, io.etcd.jetcd.ByteSequence.EMPTY).If(cmp).commit();
    return sent[0].getCompare(0);
  }
}

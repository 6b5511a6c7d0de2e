package io.dynconf.core.tls;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.jspecify.annotations.Nullable;

/**
 * The few DER structures (ITU-T X.690) that the JDK has no public API for: enough to wrap PKCS#1
 * and SEC1 keys as PKCS#8 and to write an X.509 v3 certificate. Every method returns a whole TLV.
 */
final class Der {
  /** AlgorithmIdentifier rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters. */
  static final byte[] RSA_ALGORITHM = seq(oid("1.2.840.113549.1.1.1"), new byte[] {0x05, 0x00});
  /** OID id-ecPublicKey (1.2.840.10045.2.1). */
  static final byte[] EC_PUBLIC_KEY_OID = oid("1.2.840.10045.2.1");

  private Der() {}

  static byte[] seq(byte[]... parts) {
    return tlv(0x30, parts);
  }

  /** A tag, the definite length, and the parts one after the other. */
  static byte[] tlv(int tag, byte[]... parts) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      content.writeBytes(part);
    }
    int length = content.size();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    if (length < 0x80) {
      out.write(length);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(length >>> (8 * i));
      }
    }
    out.writeBytes(content.toByteArray());
    return out.toByteArray();
  }

  static byte[] bool(boolean value) {
    return tlv(0x01, new byte[] {(byte) (value ? 0xff : 0)});
  }

  /** INTEGER: minimal two's complement, as DER wants. */
  static byte[] integer(BigInteger value) {
    return tlv(0x02, value.toByteArray());
  }

  static byte[] bitString(byte[] bits, int unusedBits) {
    byte[] content = new byte[bits.length + 1];
    content[0] = (byte) unusedBits;
    System.arraycopy(bits, 0, content, 1, bits.length);
    return tlv(0x03, content);
  }

  static byte[] octetString(byte[] content) {
    return tlv(0x04, content);
  }

  static byte[] utf8(String text) {
    return tlv(0x0c, text.getBytes(StandardCharsets.UTF_8));
  }

  /** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 4.1.2.5). */
  static byte[] time(Instant instant) {
    boolean utc = instant.atZone(ZoneOffset.UTC).getYear() < 2050;
    String text = DateTimeFormatter.ofPattern(utc ? "yyMMddHHmmss'Z'" : "yyyyMMddHHmmss'Z'")
        .withZone(ZoneOffset.UTC).format(instant);
    return tlv(utc ? 0x17 : 0x18, text.getBytes(StandardCharsets.US_ASCII));
  }

  static byte[] oid(String dotted) {
    String[] arcs = dotted.split("\\.");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    base128(out, 40L * Long.parseLong(arcs[0]) + Long.parseLong(arcs[1]));
    for (int i = 2; i < arcs.length; i++) {
      base128(out, Long.parseLong(arcs[i]));
    }
    return tlv(0x06, out.toByteArray());
  }

  private static void base128(ByteArrayOutputStream out, long value) {
    int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(value) + 6) / 7);
    for (int g = groups - 1; g >= 0; g--) {
      int b = (int) ((value >>> (7 * g)) & 0x7f);
      out.write(g == 0 ? b : b | 0x80);
    }
  }

  /** PrivateKeyInfo (PKCS#8): version 0, the algorithm, the key as an OCTET STRING. */
  static byte[] pkcs8(byte[] algorithm, byte[] key) {
    return seq(new byte[] {0x02, 0x01, 0x00}, algorithm, octetString(key));
  }

  /**
   * The curve OID (a whole TLV) of a SEC1 ECPrivateKey: {@code SEQUENCE {INTEGER 1, OCTET STRING,
   * [0] OID, [1] BIT STRING}}; null when absent or malformed.
   */
  static byte @Nullable [] sec1Curve(byte[] der) {
    try {
      int[] outer = header(der, 0);
      if (der[0] != 0x30) {
        return null;
      }
      int p = outer[0];
      int end = outer[0] + outer[1];
      while (p < end) {
        int tag = der[p] & 0xff;
        int[] h = header(der, p);
        if (tag == 0xa0) {
          int[] inner = header(der, h[0]);
          if (der[h[0]] != 0x06) {
            return null;
          }
          byte[] oid = new byte[inner[0] + inner[1] - h[0]];
          System.arraycopy(der, h[0], oid, 0, oid.length);
          return oid;
        }
        p = h[0] + h[1];
      }
      return null;
    } catch (ArrayIndexOutOfBoundsException e) {
      return null; // truncated: not a SEC1 key
    }
  }

  /** {offset of the content, length of the content} of the TLV at {@code p}. */
  private static int[] header(byte[] der, int p) {
    int first = der[p + 1] & 0xff;
    if (first < 0x80) {
      return new int[] {p + 2, first};
    }
    int n = first & 0x7f;
    if (n == 0 || n > 3) {
      throw new ArrayIndexOutOfBoundsException("unsupported DER length");
    }
    int length = 0;
    for (int i = 0; i < n; i++) {
      length = (length << 8) | (der[p + 2 + i] & 0xff);
    }
    return new int[] {p + 2 + n, length};
  }
}

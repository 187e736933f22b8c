package io.ttes.operator.upgrade;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Short SHA-256 digests for plan hashes and for keeping shortened names unique. */
final class Digests {
  private Digests() {}

  /** The first {@code hexChars} lowercase hex characters of SHA-256 over the UTF-8 text. */
  static String sha256Hex(String text, int hexChars) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, hexChars);
    } catch (NoSuchAlgorithmException e) {
      // Every JRE ships SHA-256 (it is a required algorithm), so this cannot happen.
      throw new IllegalStateException(e);
    }
  }
}

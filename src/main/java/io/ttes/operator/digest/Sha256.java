package io.ttes.operator.digest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Short SHA-256 digests of text: launch tokens, shortened resource names, event keys. The one
 * digest helper; callers choose how many hex characters they keep.
 */
public final class Sha256 {
  private Sha256() {}

  /** The first {@code hexChars} (even, at most 64) lowercase hex characters of SHA-256(UTF-8). */
  public static String hex(String text, int hexChars) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, (hexChars + 1) / 2).substring(0, hexChars);
    } catch (NoSuchAlgorithmException e) {
      // Every JRE ships SHA-256 (it is a required algorithm), so this cannot happen.
      throw new IllegalStateException(e);
    }
  }
}

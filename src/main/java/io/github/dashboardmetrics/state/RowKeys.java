package io.github.dashboardmetrics.state;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The keys of the job's keyed state: which table or join a key belongs to, and the id, packed
 * into a short string. Part of the savepoint contract: a key's text, and with it the key group
 * Flink assigns it to (from {@link String#hashCode()}), must never change for the same id.
 *
 * <p>The first character holds the key's space (a stable code, see {@link #space}) and the id's
 * form; the rest is the id:
 * <ul>
 * <li>a UUID in PostgreSQL's text form (lowercase, hyphenated): its 128 bits in 19 characters of
 *     7 bits each (one byte each in Flink's string serializer, 20 bytes with the first);
 * <li>a decimal integer without sign or leading zeros: the digits as they are;
 * <li>anything else: the text as it is.
 * </ul>
 * Only PostgreSQL's own text form of a UUID is packed, so a {@code run_id} written in upper case
 * (which SQL's {@code run_id = id::text} would not match either) stays a different key.
 */
public final class RowKeys {
    private static final int UUID_FORM = 0;
    private static final int NUMBER_FORM = 32;
    private static final int TEXT_FORM = 64;
    private static final int SPACES = 32;
    private static final int UUID_CHARS = 19;

    private RowKeys() {}

    /** The key of {@code id} in key space {@code space} (0..31). */
    public static String of(int space, String id) {
        if (space < 0 || space >= SPACES) {
            throw new IllegalArgumentException("key space out of range: " + space);
        }
        if (id != null && id.length() == 36) {
            String packed = packedUuid(space, id);
            if (packed != null) {
                return packed;
            }
        }
        if (isPlainNumber(id)) {
            return (char) (space + NUMBER_FORM) + id;
        }
        return (char) (space + TEXT_FORM) + id;
    }

    /** The key space of a key. */
    public static int space(String key) {
        return key.charAt(0) % SPACES;
    }

    /** The id a key was made of, in the form it was given. */
    public static String id(String key) {
        int form = key.charAt(0) - space(key);
        if (form != UUID_FORM) {
            return key.substring(1);
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < UUID_CHARS; i++) {
            long v = key.charAt(1 + i) & 0x7f;
            // shift the 128-bit (hi, lo) left by 7 and add v
            hi = (hi << 7) | (lo >>> 57);
            lo = (lo << 7) | v;
        }
        // The canonical lower-case form, which is the only one of() packs (String.format here was
        // 8 % of the job's CPU samples in the 10M-row snapshot).
        return new java.util.UUID(hi, lo).toString();
    }

    /** The 128-bit number (hi, lo) shifted right by {@code shift} (0..127), low bits. */
    private static long bits(long hi, long lo, int shift) {
        if (shift >= 64) {
            return hi >>> (shift - 64);
        }
        return shift == 0 ? lo : (lo >>> shift) | (hi << (64 - shift));
    }

    /** Hex digit values of the lowercase digits PostgreSQL writes; -1 for every other character below 128. */
    private static final byte[] HEX_DIGIT = new byte[128];

    static {
        Arrays.fill(HEX_DIGIT, (byte) -1);
        for (int i = 0; i < 16; i++) {
            HEX_DIGIT["0123456789abcdef".charAt(i)] = (byte) i;
        }
    }

    /**
     * The key of a UUID in PostgreSQL's text form (36 characters, lowercase hex, hyphens at 8, 13,
     * 18 and 23), read group by group without allocating but for the key itself (the key of every
     * record is made several times on its way: this was 10 % of the job's samples in the
     * snapshot, and still 9 % of a bootstrap's); null for any other text.
     */
    private static String packedUuid(int space, String id) {
        if (id.charAt(8) != '-' || id.charAt(13) != '-' || id.charAt(18) != '-' || id.charAt(23) != '-') {
            return null;
        }
        long a = hex(id, 0, 8);
        long b = hex(id, 9, 13);
        long c = hex(id, 14, 18);
        long d = hex(id, 19, 23);
        long e = hex(id, 24, 36);
        if ((a | b | c | d | e) < 0) {
            return null;
        }
        long hi = a << 32 | b << 16 | c;
        long lo = d << 48 | e;
        byte[] key = new byte[1 + UUID_CHARS];
        key[0] = (byte) (space + UUID_FORM);
        // 128 bits, high bits first: the top 2 in the first character, then 7 at a time
        for (int i = 0; i < UUID_CHARS; i++) {
            key[1 + i] = (byte) (bits(hi, lo, 126 - 7 * i) & 0x7f);
        }
        // every character below 128: one byte each, as the key always was
        return new String(key, StandardCharsets.ISO_8859_1);
    }

    /** The value of the lowercase hex digits {@code id[from, to)} (at most 15), or -1 if any is not one. */
    private static long hex(String id, int from, int to) {
        long v = 0;
        for (int i = from; i < to; i++) {
            char ch = id.charAt(i);
            int digit = ch < 128 ? HEX_DIGIT[ch] : -1;
            if (digit < 0) {
                return -1;
            }
            v = v << 4 | digit;
        }
        return v;
    }

    private static boolean isPlainNumber(String s) {
        if (s == null || s.isEmpty() || s.length() > 19 || (s.length() > 1 && s.charAt(0) == '0')) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}

package io.github.dashboardmetrics.state;

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

    /**
     * The key of a UUID in PostgreSQL's text form (36 characters, lowercase hex, hyphens at 8, 13,
     * 18 and 23), read in one pass without allocating (the key of every record is made several
     * times on its way: this was 10 % of the job's samples in the snapshot); null for any other text.
     */
    private static String packedUuid(int space, String id) {
        long hi = 0;
        long lo = 0;
        int digits = 0;
        for (int i = 0; i < 36; i++) {
            char c = id.charAt(i);
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') {
                    return null;
                }
                continue;
            }
            int v;
            if (c >= '0' && c <= '9') {
                v = c - '0';
            } else if (c >= 'a' && c <= 'f') {
                v = c - 'a' + 10;
            } else {
                return null;
            }
            if (digits++ < 16) {
                hi = (hi << 4) | v;
            } else {
                lo = (lo << 4) | v;
            }
        }
        char[] c = new char[1 + UUID_CHARS];
        c[0] = (char) (space + UUID_FORM);
        // 128 bits, high bits first: the top 2 in the first character, then 7 at a time
        for (int i = 0; i < UUID_CHARS; i++) {
            c[1 + i] = (char) (bits(hi, lo, 126 - 7 * i) & 0x7f);
        }
        return new String(c);
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

package io.github.dashboardmetrics.state;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The byte format of the job's state values: variable-length integers (small numbers take one
 * byte), zig-zag for signed ones, strings as length and UTF-8, doubles as their 8 IEEE bytes.
 * Every value the job keeps starts with a format version byte, so a later build can read what an
 * earlier one wrote. The formats themselves are written down where they are used.
 */
public final class StateBytes {
    private StateBytes() {}

    /** Appends to a growing array. */
    public static final class Writer {
        private byte[] buf = new byte[48];
        private int len;

        private void ensure(int more) {
            if (len + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
            }
        }

        public Writer byteValue(int b) {
            ensure(1);
            buf[len++] = (byte) b;
            return this;
        }

        /** An unsigned variable-length long (7 bits a byte). */
        public Writer varLong(long v) {
            ensure(10);
            while ((v & ~0x7FL) != 0) {
                buf[len++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[len++] = (byte) v;
            return this;
        }

        /** A signed variable-length long (zig-zag). */
        public Writer signedVarLong(long v) {
            return varLong((v << 1) ^ (v >> 63));
        }

        public Writer doubleValue(double d) {
            long bits = Double.doubleToRawLongBits(d);
            ensure(8);
            for (int i = 7; i >= 0; i--) {
                buf[len++] = (byte) (bits >>> (8 * i));
            }
            return this;
        }

        public Writer string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            varLong(b.length);
            ensure(b.length);
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
            return this;
        }

        public byte[] toBytes() {
            return Arrays.copyOf(buf, len);
        }
    }

    /** Reads what a {@link Writer} wrote, in the same order. */
    public static final class Reader {
        private final byte[] buf;
        private int pos;

        public Reader(byte[] buf) {
            this.buf = buf;
        }

        public boolean hasMore() {
            return pos < buf.length;
        }

        public int byteValue() {
            return buf[pos++] & 0xff;
        }

        public long varLong() {
            long v = 0;
            int shift = 0;
            while (true) {
                byte b = buf[pos++];
                v |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return v;
                }
                shift += 7;
            }
        }

        public long signedVarLong() {
            long v = varLong();
            return (v >>> 1) ^ -(v & 1);
        }

        public double doubleValue() {
            long bits = 0;
            for (int i = 0; i < 8; i++) {
                bits = (bits << 8) | (buf[pos++] & 0xff);
            }
            return Double.longBitsToDouble(bits);
        }

        public String string() {
            int n = (int) varLong();
            String s = new String(buf, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }
    }
}

package dev.osrun.provision;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The few parts of the tar format (POSIX ustar, with GNU's base-256 sizes for files of 8 GiB and more) that a
 * cache archive needs: regular files with short names, written and read in order. {@code tar} reads what it
 * writes ({@code tar --zstd -tvf osrun-cache.tar.zst}).
 */
final class TarStream {

    static final int BLOCK = 512;
    private static final long MAX_OCTAL_SIZE = 077777777777L;

    private TarStream() {
    }

    /** Writes the header of a regular file {@code name} of {@code size} bytes; its content follows, then {@link #pad}. */
    static void writeHeader(OutputStream out, String name, long size, long modifiedSeconds) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length >= 100) {
            throw new IllegalArgumentException("A tar entry name must be shorter than 100 bytes: " + name);
        }
        byte[] header = new byte[BLOCK];
        System.arraycopy(nameBytes, 0, header, 0, nameBytes.length);
        octal(header, 100, 8, 0644);
        octal(header, 108, 8, 0);
        octal(header, 116, 8, 0);
        if (size <= MAX_OCTAL_SIZE) {
            octal(header, 124, 12, size);
        } else {
            header[124] = (byte) 0x80;
            for (int i = 0; i < 8; i++) {
                header[135 - i] = (byte) (size >>> (8 * i));
            }
        }
        octal(header, 136, 12, modifiedSeconds);
        header[156] = '0';
        System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, header, 257, 8);
        Arrays.fill(header, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        octal(header, 148, 7, sum);
        header[155] = ' ';
        out.write(header);
    }

    /** Writes the zeros that fill the last block of an entry of {@code size} bytes. */
    static void pad(OutputStream out, long size) throws IOException {
        int rest = (int) (size % BLOCK);
        if (rest != 0) {
            out.write(new byte[BLOCK - rest]);
        }
    }

    /** Writes the two zero blocks that end an archive. */
    static void writeEnd(OutputStream out) throws IOException {
        out.write(new byte[2 * BLOCK]);
    }

    /** An entry's name and size, as its header gives them. */
    record Entry(String name, long size) {
    }

    /**
     * Reads the next header, or returns null at the end of the archive.
     *
     * @throws IOException when the stream ends inside a header or the header is damaged
     */
    static Entry readHeader(InputStream in) throws IOException {
        byte[] header = in.readNBytes(BLOCK);
        if (header.length < BLOCK) {
            throw new EOFException("The archive ends inside an entry header (truncated)");
        }
        boolean zero = true;
        for (byte b : header) {
            zero &= b == 0;
        }
        if (zero) {
            return null;
        }
        if (!new String(header, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
            throw new IOException("it is not a tar archive (not an osrun cache archive?)");
        }
        long stored = parseOctal(header, 148, 8);
        Arrays.fill(header, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        if (sum != stored) {
            throw new IOException("A tar header's checksum does not match (the archive is damaged)");
        }
        if (header[156] != '0' && header[156] != 0) {
            throw new IOException("The archive holds an entry that is not a regular file (type '" + (char) header[156] + "')");
        }
        int nameEnd = 0;
        while (nameEnd < 100 && header[nameEnd] != 0) {
            nameEnd++;
        }
        String name = new String(header, 0, nameEnd, StandardCharsets.UTF_8);
        long size;
        if ((header[124] & 0x80) != 0) {
            size = 0;
            for (int i = 128; i < 136; i++) {
                size = (size << 8) | (header[i] & 0xff);
            }
        } else {
            size = parseOctal(header, 124, 12);
        }
        return new Entry(name, size);
    }

    /** Skips the padding after an entry of {@code size} bytes. */
    static void skipPad(InputStream in, long size) throws IOException {
        int rest = (int) (size % BLOCK);
        if (rest != 0 && in.readNBytes(BLOCK - rest).length != BLOCK - rest) {
            throw new EOFException("The archive ends inside an entry's padding (truncated)");
        }
    }

    private static void octal(byte[] header, int offset, int length, long value) {
        String digits = Long.toOctalString(value);
        String padded = "0".repeat(length - 1 - digits.length()) + digits;
        System.arraycopy(padded.getBytes(StandardCharsets.US_ASCII), 0, header, offset, length - 1);
        header[offset + length - 1] = 0;
    }

    private static long parseOctal(byte[] header, int offset, int length) throws IOException {
        int i = offset;
        int end = offset + length;
        while (i < end && header[i] == ' ') {
            i++;
        }
        long value = 0;
        for (; i < end && header[i] != 0 && header[i] != ' '; i++) {
            byte b = header[i];
            if (b < '0' || b > '7') {
                throw new IOException("A tar header holds a damaged number (the archive is damaged)");
            }
            value = value * 8 + (b - '0');
        }
        return value;
    }
}

package dev.osrun.qga;

import java.util.Arrays;

/**
 * Bytes read from a guest file with {@code guest-file-read}.
 *
 * @param data the bytes read (possibly empty)
 * @param eof  whether the end of the file was reached
 */
public record FileChunk(byte[] data, boolean eof) {

    /**
     * Creates a chunk.
     *
     * @param data the bytes read
     * @param eof  whether the end of the file was reached
     * @throws NullPointerException when {@code data} is {@code null}
     */
    public FileChunk {
        java.util.Objects.requireNonNull(data, "data");
    }

    /** Compares by content. */
    @Override
    public boolean equals(Object other) {
        return other instanceof FileChunk that && eof == that.eof && Arrays.equals(data, that.data);
    }

    /** Hashes by content. */
    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(data) + Boolean.hashCode(eof);
    }

    /** Describes the chunk by its size. */
    @Override
    public String toString() {
        return "FileChunk[" + data.length + " bytes, eof=" + eof + "]";
    }
}

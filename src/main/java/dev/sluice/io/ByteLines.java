package dev.sluice.io;

import dev.sluice.engine.SluiceException;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * The files of a local input (or stdin) one after another, as lines of strictly decoded UTF-8. Gzip is
 * recognised by its magic bytes, so {@code .gz} files and gzip'd stdin both work. Invalid UTF-8 stops the
 * run with the file and line: silently replacing bytes would change the text that is hashed and trained on.
 */
final class ByteLines implements AutoCloseable {
    private final List<String> paths;
    private final InputStream stdin;
    private final long totalBytes;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

    private int fileIndex = -1;
    private InputStream in;
    private Counting counting;
    private long bytesOfDoneFiles;
    private long lineNumber;
    private boolean gzip;
    /** Bytes of the current file (decompressed, if gzip'd) read into {@link #buf}. */
    private long fileBytes;

    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int limit;
    private byte[] line = new byte[1 << 12];
    private int lineLength;
    private CharBuffer chars = CharBuffer.allocate(1 << 12);

    ByteLines(TextInputs.Resolved input, InputStream stdin) {
        this.paths = input.paths();
        this.stdin = stdin;
        this.totalBytes = input.totalBytes();
    }

    /** The file being read, as the user named it. */
    String file() {
        return fileIndex < 0 ? "" : paths.get(fileIndex).equals("-") ? "stdin" : paths.get(fileIndex);
    }

    long lineNumber() {
        return lineNumber;
    }

    /** Which of the inputs is being read, counting from 0. */
    int fileIndex() {
        return fileIndex;
    }

    double fraction() {
        if (totalBytes <= 0) {
            return Double.NaN;
        }
        long done = bytesOfDoneFiles + (counting == null ? 0 : counting.count);
        return Math.min(1.0, (double) done / totalBytes);
    }

    /** Where the next line starts; a file not yet opened starts at its line 0. */
    DocumentSource.Position position() {
        return in == null ? new DocumentSource.Position(fileIndex + 1, 0, 0)
                : new DocumentSource.Position(fileIndex, lineNumber, fileBytes - (limit - pos));
    }

    /**
     * Moves to a position of these files: before a file, or inside it, where a plain file is opened at its byte
     * offset and a gzip'd one, which cannot be entered in the middle, is decompressed from its start and its lines
     * skipped unparsed.
     */
    void seek(DocumentSource.Position p) {
        close();
        in = null;
        counting = null;
        fileIndex = p.file() - 1;
        if (p.line() == 0) {
            return; // the next read opens the file
        }
        try {
            if (!openNext()) {
                return;
            }
            if (gzip) {
                while (lineNumber < p.line() && readLine()) {
                    lineNumber++;
                }
                return;
            }
            for (long left = p.offset(); left > 0; ) {
                long n = in.skip(left);
                if (n <= 0) {
                    throw new IOException("the file is shorter than " + p.offset() + " bytes; it changed since "
                            + "the shard tasks' index was written");
                }
                left -= n;
            }
            fileBytes = p.offset();
            lineNumber = p.line();
        } catch (IOException e) {
            throw SluiceException.input("cannot read " + file() + ": " + e.getMessage(), e);
        }
    }

    /** Moves to the next line; false when every file is done. Lines exclude the newline (and a \r). */
    boolean nextLine() {
        try {
            while (true) {
                if (in == null && !openNext()) {
                    return false;
                }
                if (readLine()) {
                    lineNumber++;
                    return true;
                }
                in.close();
                bytesOfDoneFiles += counting.count;
                counting = null;
                in = null;
            }
        } catch (IOException e) {
            throw SluiceException.input("cannot read " + file() + ": " + e.getMessage(), e);
        }
    }

    /** The current line, decoded; throws an input error naming file and line when it is not UTF-8. */
    CharBuffer chars() {
        return decode(line, lineLength);
    }

    /**
     * The current line's bytes, {@code [0, lineLength())}, valid until the next line; checked to be UTF-8
     * like {@link #chars}, so a parser can read them without a decoding pass of its own.
     */
    byte[] utf8() {
        if (!isUtf8(line, lineLength)) {
            decode(line, lineLength); // throws the error that names the file, line and byte
        }
        return line;
    }

    /**
     * Whether {@code b[0, n)} is well-formed UTF-8 as the strict decoder sees it: no stray continuation
     * bytes, overlong forms, surrogates, or code points past U+10FFFF. A check without decoding.
     */
    static boolean isUtf8(byte[] b, int n) {
        int i = 0;
        while (i < n) {
            int c = b[i];
            if (c >= 0) {
                i++;
                continue;
            }
            c &= 0xff;
            int len = c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;
            if (len == 0 || i + len > n) {
                return false;
            }
            for (int k = 1; k < len; k++) {
                if ((b[i + k] & 0xc0) != 0x80) {
                    return false;
                }
            }
            int c1 = b[i + 1] & 0xff;
            if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0) || (c == 0xf0 && c1 < 0x90)
                    || (c == 0xf4 && c1 >= 0x90)) {
                return false; // overlong, surrogate, overlong, past U+10FFFF
            }
            i += len;
        }
        return true;
    }

    int lineLength() {
        return lineLength;
    }

    /** Reads the rest of the current file as one decoded text (the text format: a file is a document). */
    String restOfFile() {
        try {
            byte[] head = Arrays.copyOfRange(buf, pos, limit);
            byte[] rest = in.readAllBytes();
            pos = limit = 0;
            byte[] all = new byte[head.length + rest.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(rest, 0, all, head.length, rest.length);
            lineNumber = 1;
            return decode(all, all.length).toString();
        } catch (IOException e) {
            throw SluiceException.input("cannot read " + file() + ": " + e.getMessage(), e);
        }
    }

    /** Opens the next file; false when there is none. Used directly by the whole-file text format. */
    boolean openNext() throws IOException {
        if (fileIndex + 1 >= paths.size()) {
            return false;
        }
        if (in != null) {
            in.close();
            bytesOfDoneFiles += counting.count;
        }
        fileIndex++;
        lineNumber = 0;
        fileBytes = 0;
        pos = limit = 0;
        String p = paths.get(fileIndex);
        InputStream raw = p.equals("-") ? stdin : Files.newInputStream(Path.of(p));
        counting = new Counting(raw);
        BufferedInputStream b = new BufferedInputStream(counting, 1 << 16);
        b.mark(2);
        gzip = b.read() == 0x1f && b.read() == 0x8b;
        b.reset();
        in = gzip ? new GZIPInputStream(b, 1 << 16) : b;
        return true;
    }

    private boolean readLine() throws IOException {
        lineLength = 0;
        boolean any = false;
        while (true) {
            if (pos >= limit) {
                limit = in.read(buf, 0, buf.length);
                pos = 0;
                if (limit <= 0) {
                    limit = 0;
                    return any;
                }
                fileBytes += limit;
            }
            any = true;
            int start = pos;
            while (pos < limit && buf[pos] != '\n') {
                pos++;
            }
            append(start, pos - start);
            if (pos < limit) {
                pos++; // the newline
                if (lineLength > 0 && line[lineLength - 1] == '\r') {
                    lineLength--;
                }
                return true;
            }
        }
    }

    private void append(int from, int n) {
        if (lineLength + n > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + n));
        }
        System.arraycopy(buf, from, line, lineLength, n);
        lineLength += n;
    }

    private CharBuffer decode(byte[] bytes, int n) {
        ByteBuffer src = ByteBuffer.wrap(bytes, 0, n);
        if (chars.capacity() < n) {
            chars = CharBuffer.allocate(Math.max(n, chars.capacity() * 2));
        }
        chars.clear();
        utf8.reset();
        CoderResult r = utf8.decode(src, chars, true);
        if (r.isError()) {
            throw SluiceException.input(String.format(Locale.ROOT,
                    "%s line %d is not valid UTF-8 (bad byte 0x%02x at byte %d of the line); sluice reads UTF-8 "
                            + "text only: re-encode the file, e.g. iconv -f latin1 -t utf-8", file(), lineNumber,
                    bytes[src.position()] & 0xff, src.position()));
        }
        utf8.flush(chars);
        chars.flip();
        return chars;
    }

    @Override
    public void close() {
        try {
            if (in != null && in != stdin) {
                in.close();
            }
        } catch (IOException e) {
            // Reading is over; nothing to save.
        }
    }

    /** Counts the raw (possibly compressed) bytes read, for the fraction of the input done. */
    private static final class Counting extends FilterInputStream {
        private long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long k = super.skip(n);
            count += Math.max(0, k);
            return k;
        }
    }
}

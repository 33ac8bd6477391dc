package dev.sluice.text;

import dev.sluice.engine.SluiceException;
import dev.sluice.engine.TempDirs;
import dev.sluice.io.DocumentSource;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;

/**
 * The shard tasks' index of a pack input: for each unit, where its documents start in the input, how many it
 * holds, which of them repeat an earlier document (exact dedup, first occurrence kept), and the malformed lines
 * and records without text that fall to it. The first shard task writes it in one pass that reads and hashes
 * the input as a single process would; every task then reads only its own units, from their positions, and
 * takes the dedup decisions from here, so the tasks together read the input about twice instead of once each.
 *
 * <p>File layout (big-endian): the duplicates of every unit in unit order, as offsets within the unit; then a
 * table of one entry per unit; then the table's offset, the number of units and of documents, and a magic.
 * Written to a temporary name and renamed, so a killed writer leaves no index that looks complete.
 */
final class DocumentIndex {
    static final String FILE = "pack_index.bin";
    private static final long MAGIC = 0x534c55494345_4958L; // "SLUICEIX"
    private static final int ENTRY_BYTES = 4 + 4 + 8 + 8 + 8 + 8 + 8 + 8 + 4;
    private static final int TRAILER_BYTES = 8 + 4 + 8 + 8;

    /**
     * Unit {@code number}: its documents start at {@code start}; its {@code dups} duplicate offsets are stored
     * at byte {@code dupsAt} of the file.
     */
    record Unit(int number, DocumentSource.Position start, long documents, long malformed, long missingText,
                long dupsAt, int dups) {}

    private final Path file;
    private final List<Unit> units;
    private final long documents;
    /** The source's final counters, when this index was just built (else null). */
    private final DocumentSource.Counts counts;

    private DocumentIndex(Path file, List<Unit> units, long documents, DocumentSource.Counts counts) {
        this.file = file;
        this.units = units;
        this.documents = documents;
        this.counts = counts;
    }

    List<Unit> units() {
        return units;
    }

    Unit unit(int number) {
        return units.get(number);
    }

    long documents() {
        return documents;
    }

    DocumentSource.Counts counts() {
        return counts;
    }

    /** The documents of {@code u} that repeat an earlier one, by offset within the unit. */
    BitSet duplicates(Unit u) {
        BitSet set = new BitSet((int) u.documents());
        if (u.dups() == 0) {
            return set;
        }
        ByteBuffer b = ByteBuffer.allocate(4 * u.dups());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (b.hasRemaining()) {
                if (ch.read(b, u.dupsAt() + b.position()) < 0) {
                    throw new IOException("the file ends inside unit " + u.number() + "'s duplicates");
                }
            }
        } catch (IOException e) {
            throw broken(file, e);
        }
        b.flip();
        while (b.hasRemaining()) {
            set.set(b.getInt());
        }
        return set;
    }

    /**
     * Reads the whole input through {@code pipeline} (which reads it from its start, through dedup if it has a
     * store, with each chunk's start position) and writes the index to {@code file}. {@code progress} hears the
     * documents and the input's fraction read, chunk by chunk.
     */
    static DocumentIndex build(DocumentPipeline pipeline, Path file, BiConsumer<Long, Double> progress) {
        Path tmp = file.resolveSibling("." + FILE + "-" + ProcessHandle.current().pid() + ".tmp");
        List<Unit> units = new ArrayList<>();
        long documents = 0;
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp),
                1 << 16))) {
            DocumentSource.Counts zero = new DocumentSource.Counts(0, 0, 0, null);
            DocumentSource.Counts before = zero;
            DocumentSource.Counts last = zero;
            int unit = -1;
            DocumentSource.Position start = null;
            long docs = 0;
            int[] dups = new int[64];
            int dupCount = 0;
            long body = 0;
            while (true) {
                DocumentPipeline.Chunk c = pipeline.next();
                if (c.documents() == 0 || c.unit() != unit) {
                    if (unit >= 0) {
                        // A unit takes the lines skipped after the previous unit's last document; the last unit
                        // also those after its own.
                        DocumentSource.Counts end = c.documents() == 0 ? c.counts() : last;
                        units.add(new Unit(unit, start, docs, end.malformed() - before.malformed(),
                                end.missingText() - before.missingText(), body, dupCount));
                        for (int i = 0; i < dupCount; i++) {
                            out.writeInt(dups[i]);
                        }
                        body += 4L * dupCount;
                    }
                    if (c.documents() == 0) {
                        last = c.counts();
                        break;
                    }
                    unit = c.unit();
                    start = c.start();
                    before = last;
                    docs = 0;
                    dupCount = 0;
                }
                for (int i = 0; i < c.documents(); i++) {
                    if (c.seen() != null && c.seen()[i] != DedupStore.Seen.NEW) {
                        if (dupCount == dups.length) {
                            dups = Arrays.copyOf(dups, dupCount * 2);
                        }
                        dups[dupCount++] = c.firstInUnit() + i;
                    }
                }
                docs += c.documents();
                documents += c.documents();
                last = c.counts();
                progress.accept(documents, c.fraction());
            }
            long tableAt = body;
            for (Unit u : units) {
                out.writeInt(u.number());
                out.writeInt(u.start().file());
                out.writeLong(u.start().line());
                out.writeLong(u.start().offset());
                out.writeLong(u.documents());
                out.writeLong(u.malformed());
                out.writeLong(u.missingText());
                out.writeLong(u.dupsAt());
                out.writeInt(u.dups());
            }
            out.writeLong(tableAt);
            out.writeInt(units.size());
            out.writeLong(documents);
            out.writeLong(MAGIC);
            out.close();
            dev.sluice.engine.Durable.rename(tmp, file);
            return new DocumentIndex(file, List.copyOf(units), documents, last);
        } catch (IOException e) {
            throw SluiceException.cannotWrite(file, e);
        } finally {
            TempDirs.deleteTree(tmp);
        }
    }

    /** The index another task (or an earlier attempt) wrote. */
    static DocumentIndex read(Path file) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            if (length < TRAILER_BYTES) {
                throw new IOException("it is " + length + " bytes long");
            }
            f.seek(length - TRAILER_BYTES);
            long tableAt = f.readLong();
            int count = f.readInt();
            long documents = f.readLong();
            if (f.readLong() != MAGIC || tableAt + (long) count * ENTRY_BYTES != length - TRAILER_BYTES) {
                throw new IOException("its trailer does not match its table");
            }
            f.seek(tableAt);
            List<Unit> units = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                Unit u = new Unit(f.readInt(), new DocumentSource.Position(f.readInt(), f.readLong(), f.readLong()),
                        f.readLong(), f.readLong(), f.readLong(), f.readLong(), f.readInt());
                if (u.number() != i) {
                    throw new IOException("entry " + i + " is for unit " + u.number());
                }
                units.add(u);
            }
            return new DocumentIndex(file, List.copyOf(units), documents, null);
        } catch (IOException e) {
            throw broken(file, e);
        }
    }

    private static SluiceException broken(Path file, IOException e) {
        return SluiceException.input(String.format(Locale.ROOT, "cannot read the shard tasks' index %s (%s); delete "
                + "it and rerun the tasks: the first one writes it again", file, e.getMessage()), e);
    }
}

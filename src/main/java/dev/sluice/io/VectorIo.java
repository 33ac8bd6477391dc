package dev.sluice.io;

import dev.sluice.engine.DuckSession;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * The Arrow memory that vector readers and code shards stream through, bounded by the job's Arrow budget.
 * Jobs open their inputs and outputs here and see plain arrays; Arrow stays inside this package.
 */
public final class VectorIo implements AutoCloseable {
    private final DuckSession duck;
    private final BufferAllocator allocator;

    public VectorIo(DuckSession duck, long arrowBytes) {
        this.duck = duck;
        this.allocator = new RootAllocator(arrowBytes);
    }

    public DuckSession duck() {
        return duck;
    }

    /** A vector input, see {@link VectorReaders#open}. */
    public VectorReader open(String input, String column, String idColumn) {
        return VectorReaders.open(input, column, idColumn, duck, allocator);
    }

    /** Streams the codes of code shards, in order. */
    public CodeShards.Reader codes(List<Path> files, int codeBytes) {
        return new CodeShards.Reader(duck, allocator, files, codeBytes);
    }

    /** Writes one code shard, see {@link CodeShards#write}. */
    public void writeCodes(long[] ids, byte[] codes, int rows, int codeBytes, Path file, String streamName) {
        CodeShards.write(duck, allocator, ids, codes, rows, codeBytes, file, streamName);
    }

    @Override
    public void close() {
        allocator.close();
    }
}

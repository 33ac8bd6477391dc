package dev.sluice.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.engine.DuckSession;
import dev.sluice.testing.Cli;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both directions across the DuckDB/Java boundary, on the flight sample. */
class ArrowStreamsTest {
    @TempDir
    Path tmp;

    @Test
    void queryResultArrivesAsArrowBatchesAndJavaBatchesGoBackToDuckdb() throws Exception {
        try (DuckSession duck = new DuckSession(new DuckSession.Settings(512L << 20, 2, tmp, 2));
             BufferAllocator alloc = new RootAllocator(256L << 20);
             Connection c1 = duck.connection(); Connection c2 = duck.connection()) {
            long rows = 0;
            long delaySum = 0;
            int batches = 0;
            String sql = "SELECT delay FROM read_parquet('" + Cli.flightsSample() + "')";
            try (ArrowStreams.QueryBatches q = ArrowStreams.query(c1, sql, alloc, 10_000)) {
                while (q.reader().loadNextBatch()) {
                    BigIntVector v = (BigIntVector) q.reader().getVectorSchemaRoot().getVector(0);
                    for (int i = 0; i < v.getValueCount(); i++) {
                        delaySum += v.get(i);
                    }
                    rows += v.getValueCount();
                    batches++;
                }
            }
            assertEquals(104_991, rows);
            assertEquals(11, batches, "batches of at most 10,000 rows");
            try (Statement s = c1.createStatement();
                 ResultSet rs = s.executeQuery("SELECT sum(delay) FROM read_parquet('" + Cli.flightsSample() + "')")) {
                rs.next();
                assertEquals(rs.getLong(1), delaySum);
            }

            // Java produces 3 batches of squares; DuckDB aggregates them and writes them to Parquet.
            Path parquet = tmp.resolve("squares.parquet");
            ArrowStreams.executeOver(c2, "squares", new Squares(alloc), alloc,
                    "COPY (SELECT x, x * x AS sq FROM squares) TO '" + parquet + "'");
            try (Statement s = c2.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*), sum(sq) FROM '" + parquet + "'")) {
                rs.next();
                assertEquals(3000, rs.getLong(1));
                assertEquals(2999L * 3000 * 5999 / 6, rs.getLong(2));
            }
        }
    }

    /** 0..2999 in three batches. */
    private static final class Squares extends ArrowReader {
        private int batch;

        Squares(BufferAllocator a) {
            super(a);
        }

        @Override
        public boolean loadNextBatch() throws IOException {
            if (batch == 3) {
                return false;
            }
            VectorSchemaRoot root = getVectorSchemaRoot();
            root.clear();
            root.allocateNew();
            BigIntVector x = (BigIntVector) root.getVector(0);
            for (int i = 0; i < 1000; i++) {
                x.setSafe(i, batch * 1000L + i);
            }
            x.setValueCount(1000);
            root.setRowCount(1000);
            batch++;
            return true;
        }

        @Override
        public long bytesRead() {
            return 0;
        }

        @Override
        protected void closeReadSource() {}

        @Override
        protected Schema readSchema() {
            return new Schema(java.util.List.of(Field.nullable("x", new ArrowType.Int(64, true))));
        }
    }
}

// The benchmark's embeddings as Parquet, the form most embedding datasets come in: a float32 .npy of shape
// (n, d) to a Parquet file with an `id` BIGINT column and an `embedding` FLOAT[d] column, rows in .npy order,
// through DuckDB's appender. With ROWS_PER_GROUP (default DuckDB's 122,880), its row groups' size.
// Run: java -cp 'target/lib/*' scripts/data/NpyToParquet.java IN.npy OUT.parquet [ROWS_PER_GROUP]
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

public class NpyToParquet {
    public static void main(String[] args) throws Exception {
        Path in = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int rowGroup = args.length > 2 ? Integer.parseInt(args[2]) : 122_880;
        try (DataInputStream s = new DataInputStream(Files.newInputStream(in));
             Connection c = DriverManager.getConnection("jdbc:duckdb:");
             Statement st = c.createStatement()) {
            long[] shape = header(s, in);
            int n = Math.toIntExact(shape[0]);
            int d = Math.toIntExact(shape[1]);
            st.execute("CREATE TABLE v (id BIGINT, embedding FLOAT[" + d + "])");
            byte[] row = new byte[4 * d];
            float[] vec = new float[d];
            try (DuckDBAppender a = c.unwrap(DuckDBConnection.class).createAppender("v")) {
                for (int i = 0; i < n; i++) {
                    s.readFully(row);
                    ByteBuffer.wrap(row).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vec);
                    a.beginRow().append((long) i).append(vec).endRow();
                }
            }
            st.execute("COPY (SELECT * FROM v ORDER BY id) TO '" + out.toString().replace("'", "''")
                    + "' (FORMAT parquet, ROW_GROUP_SIZE " + rowGroup + ")");
            System.err.printf("%s: %d vectors of %d dimensions%n", out, n, d);
        }
    }

    /** Reads the .npy header and returns the shape; only little-endian float32 in C order. */
    static long[] header(InputStream s, Path in) throws IOException {
        byte[] magic = s.readNBytes(8);
        if (magic.length < 8 || magic[0] != (byte) 0x93
                || !new String(magic, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IOException(in + " is not a .npy file");
        }
        // Version 1 headers give their length in 2 bytes, later versions in 4, little-endian.
        int len = s.read() | s.read() << 8;
        if (magic[6] != 1) {
            len |= s.read() << 16 | s.read() << 24;
        }
        String dict = new String(s.readNBytes(len), StandardCharsets.US_ASCII);
        Matcher m = Pattern.compile("'shape': \\((\\d+), (\\d+)\\)").matcher(dict);
        if (!dict.contains("'descr': '<f4'") || dict.contains("'fortran_order': True") || !m.find()) {
            throw new IOException(in + ": expected a 2-D little-endian float32 array in C order, got " + dict.strip());
        }
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }
}

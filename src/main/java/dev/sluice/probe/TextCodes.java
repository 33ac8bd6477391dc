package dev.sluice.probe;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.Sql;
import dev.sluice.engine.SqlErrors;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;

/**
 * Text fields sorted as integer codes. A text field with few distinct values (a category, a unit, a station code)
 * gets a dictionary of its values in sorted order, code i for the i-th, so sorting by the code orders the rows
 * exactly as sorting by the text does: DuckDB's sort then compares and carries 4 bytes instead of strings (on 30M
 * flights with an airport code, the sort took 26.6 s of CPU with the text and 16.0 with codes, against 14.9 without
 * the field), and the Java pass turns codes back into text as it cuts ({@link Dictionary#decode}). The output is
 * the same, byte for byte. A field with many distinct values, or a dictionary too large for its share of the heap,
 * is carried as text.
 */
final class TextCodes {
    /**
     * A field is coded when its first {@value #SAMPLE_ROWS} values hold at most one distinct value in
     * {@value #MIN_REPEATS}, and its whole dictionary at most {@value #MAX_ENTRIES} values.
     */
    static final int SAMPLE_ROWS = 1 << 18;
    static final int MIN_REPEATS = 4;
    static final int MAX_ENTRIES = 1 << 20;

    private final List<Dictionary> byField;

    private TextCodes(List<Dictionary> byField) {
        this.byField = byField;
    }

    /** No field coded. */
    static TextCodes none(int fields) {
        return new TextCodes(Arrays.asList(new Dictionary[fields]));
    }

    /** The dictionary of field {@code i} (in {@link ProbeRowsJob.Columns#fields()} order), or null when not coded. */
    Dictionary field(int i) {
        return byField.get(i);
    }

    /** "text field 'a': sorted as 228 codes" for each coded field, for the run's log. */
    List<String> describe(List<String> fields) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            if (byField.get(i) != null) {
                lines.add(String.format(java.util.Locale.ROOT, "text field '%s': sorted as %,d codes, one per value",
                        fields.get(i), byField.get(i).offsets().length - 1));
            }
        }
        return lines;
    }

    /**
     * Builds the dictionaries of the text fields worth coding, as DuckDB tables {@code probe_text_<i>(v, code)} for
     * the sort to join and in Java for the cut. {@code heapBytes}: what all dictionaries together may hold.
     */
    static TextCodes build(DuckSession duck, Sql.Fragment relation, ProbeRowsJob.Columns cols, long heapBytes) {
        List<Dictionary> dictionaries = new ArrayList<>();
        long room = heapBytes;
        for (int i = 0; i < cols.fields().size(); i++) {
            Dictionary d = null;
            if (cols.textFields().contains(cols.fields().get(i))) {
                d = build(duck, relation, cols.fields().get(i), table(i), room);
                room -= d == null ? 0 : d.heapBytes();
            }
            dictionaries.add(d);
        }
        return new TextCodes(dictionaries);
    }

    private static Dictionary build(DuckSession duck, Sql.Fragment relation, String field, Sql.Fragment table,
                                    long room) {
        Sql.Fragment f = Sql.ident(field);
        try (Connection c = duck.connection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery(Sql.load(ProbeRowsJob.SQL + "text_sample").bind("field", f)
                    .bind("input", relation).bind("rows", Sql.number(SAMPLE_ROWS)).render())) {
                rs.next();
                if (rs.getLong(1) == 0 || rs.getLong(2) * MIN_REPEATS > rs.getLong(1)) {
                    return null;
                }
            }
            s.execute(Sql.load(ProbeRowsJob.SQL + "text_dictionary").bind("table", table).bind("field", f)
                    .bind("input", relation).render());
            try (ResultSet rs = s.executeQuery("SELECT count(*), coalesce(sum(strlen(v)), 0) FROM " + table)) {
                rs.next();
                long entries = rs.getLong(1);
                if (entries > MAX_ENTRIES || rs.getLong(2) + 4 * (entries + 1) > room) {
                    s.execute("DROP TABLE " + table);
                    return null;
                }
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            List<Integer> offsets = new ArrayList<>(List.of(0));
            try (ResultSet rs = s.executeQuery("SELECT v FROM " + table + " ORDER BY code")) {
                while (rs.next()) {
                    bytes.writeBytes(rs.getString(1).getBytes(StandardCharsets.UTF_8));
                    offsets.add(bytes.size());
                }
            }
            return new Dictionary(bytes.toByteArray(), offsets.stream().mapToInt(Integer::intValue).toArray());
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, "making the dictionary of text field '" + field + "'");
        }
    }

    private static Sql.Fragment table(int field) {
        return Sql.ident("probe_text_" + field);
    }

    /**
     * The sort's field columns from the relation {@code alias} ({@code , i."a", "probe_text_1".code AS "b"}) and the
     * joins that bring in the codes.
     */
    Sql.Fragment fieldColumns(String alias, List<String> fields) {
        List<Sql.Fragment> columns = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            columns.add(byField.get(i) == null ? Sql.columnsAfter(alias, List.of(fields.get(i)))
                    : Sql.load(ProbeRowsJob.SQL + "text_code").bind("table", table(i))
                            .bind("field", Sql.ident(fields.get(i))).renderFragment());
        }
        return Sql.concat(columns);
    }

    Sql.Fragment joins(String alias, List<String> fields) {
        List<Sql.Fragment> joins = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            if (byField.get(i) != null) {
                joins.add(Sql.load(ProbeRowsJob.SQL + "text_join").bind("table", table(i))
                        .bind("column", Sql.qualified(alias, List.of(fields.get(i)))).renderFragment());
            }
        }
        return Sql.concat(joins);
    }

    /** One field's distinct values in sorted order: value {@code i} is {@code bytes[offsets[i], offsets[i + 1])}. */
    record Dictionary(byte[] bytes, int[] offsets) {
        long heapBytes() {
            return bytes.length + 4L * offsets.length;
        }

        /**
         * Appends the text of {@code codes[from, from + count)} to {@code dst} at {@code to} (its end), as
         * {@link dev.sluice.io.ArrowCopy} appends text: the offsets, then each value's bytes.
         */
        void decode(IntVector codes, int from, VarCharVector dst, int to, int count, boolean nullFree) {
            while (dst.getValueCapacity() < to + count) {
                dst.reallocValidityAndOffsetBuffers();
            }
            ArrowBuf offsetBuf = dst.getOffsetBuffer();
            int start = to == 0 ? 0 : offsetBuf.getInt((long) to * BaseVariableWidthVector.OFFSET_WIDTH);
            int end = start;
            for (int i = 0; i < count; i++) {
                if (nullFree || !codes.isNull(from + i)) {
                    int code = codes.get(from + i);
                    end += offsets[code + 1] - offsets[code];
                }
            }
            while (dst.getDataBuffer().capacity() < end) {
                dst.reallocDataBuffer();
            }
            ArrowBuf data = dst.getDataBuffer();
            ArrowBuf validity = dst.getValidityBuffer();
            int at = start;
            for (int i = 0; i < count; i++) {
                boolean present = nullFree || !codes.isNull(from + i);
                if (present) {
                    int code = codes.get(from + i);
                    int length = offsets[code + 1] - offsets[code];
                    data.setBytes(at, bytes, offsets[code], length);
                    at += length;
                }
                BitVectorHelper.setValidityBit(validity, to + i, present ? 1 : 0);
                offsetBuf.setInt((long) (to + i + 1) * BaseVariableWidthVector.OFFSET_WIDTH, at);
            }
            dst.setLastSet(to + count - 1);
        }
    }
}

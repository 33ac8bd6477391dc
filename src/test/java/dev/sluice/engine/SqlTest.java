package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqlTest {

    @Test
    void identifiersAndLiteralsCannotInjectSql(@TempDir Path tmp) throws Exception {
        String evilColumn = "v\"; DROP TABLE victims; --";
        Path evilFile = tmp.resolve("it's; DROP TABLE victims; --.csv");
        Files.writeString(evilFile, "\"" + evilColumn.replace("\"", "\"\"") + "\",k\n1,a\n2,b\n");
        try (DuckSession duck = new DuckSession(new DuckSession.Settings(256L << 20, 1, tmp, 1));
             Connection c = duck.connection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE victims AS SELECT 42 AS x");
            String sql = Sql.of("t", "SELECT sum(${col}) FROM read_csv(${file}, header = true)")
                    .bind("col", Sql.ident(evilColumn)).bind("file", Sql.literal(evilFile.toString())).render();
            try (ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                assertEquals(3, rs.getLong(1), "the quoted column and path are read as data: " + sql);
            }
            try (ResultSet rs = s.executeQuery("SELECT x FROM victims")) {
                rs.next();
                assertEquals(42, rs.getInt(1), "the table survives");
            }
        }
    }

    @Test
    void fragmentsQuoteAndValidate() {
        assertEquals("\"a\"\"b\"", Sql.ident("a\"b").sql());
        assertEquals("'it''s'", Sql.literal("it's").sql());
        assertEquals("['a', 'b''c']", Sql.literalList(List.of("a", "b'c")).sql());
        assertEquals(", p.\"x\", p.\"y\"", Sql.columnsAfter("p", List.of("x", "y")).sql());
        assertEquals("", Sql.columnsAfter("p", List.of()).sql());
        assertThrows(SluiceException.class, () -> Sql.number(Double.NaN));
        assertThrows(SluiceException.class, () -> Sql.ident(""));
        assertThrows(IllegalArgumentException.class, () -> Sql.qualified("p; drop", List.of("x")));
    }

    @Test
    void unboundParameterIsAnError() {
        SluiceException e = assertThrows(SluiceException.class,
                () -> Sql.of("t", "SELECT ${a}, ${b}").bind("a", Sql.number(1)).render());
        assertEquals(SluiceException.Kind.INTERNAL, e.kind());
    }

    @Test
    void sqlFilesLoadFromResources() {
        String sql = Sql.load("probe_rows/describe").bind("input", Sql.ident("t")).render();
        assertEquals("-- The input's columns and types, to check --key, --time and --fields before any work.\n"
                + "DESCRIBE SELECT * FROM \"t\"", sql);
    }
}

package dev.sluice.cli;

import dev.sluice.engine.Json;
import dev.sluice.engine.SluiceException;
import java.io.PrintStream;
import java.sql.Blob;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Prints a result set as an aligned table, CSV or JSON lines. Long cells are cut in table form. */
final class ResultPrinter {
    private ResultPrinter() {}

    static int print(ResultSet rs, String format, PrintStream out, int maxCell) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            names.add(md.getColumnLabel(i));
        }
        List<String[]> rows = new ArrayList<>();
        int count = 0;
        while (rs.next()) {
            String[] r = new String[n];
            for (int i = 1; i <= n; i++) {
                r[i - 1] = cell(rs.getObject(i));
            }
            count++;
            switch (format) {
                case "csv" -> {
                    if (count == 1) {
                        out.println(String.join(",", names.stream().map(ResultPrinter::csv).toList()));
                    }
                    List<String> cells = new ArrayList<>();
                    for (String c : r) {
                        cells.add(c == null ? "" : csv(c));
                    }
                    out.println(String.join(",", cells));
                }
                case "json" -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    for (int i = 0; i < n; i++) {
                        m.put(names.get(i), r[i]);
                    }
                    out.println(Json.toString(m).replaceAll("\\s*\\n\\s*", " "));
                }
                case "table" -> rows.add(r);
                default -> throw SluiceException.usage("--format must be table, csv or json, got '" + format + "'");
            }
        }
        if (format.equals("table")) {
            int[] w = new int[n];
            for (int i = 0; i < n; i++) {
                w[i] = names.get(i).length();
                for (String[] r : rows) {
                    w[i] = Math.max(w[i], cut(r[i], maxCell).length());
                }
            }
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < n; i++) {
                line.append(i == 0 ? "" : " | ").append(pad(names.get(i), w[i]));
            }
            out.println(line.toString().stripTrailing());
            out.println("-".repeat(line.toString().stripTrailing().length()));
            for (String[] r : rows) {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    b.append(i == 0 ? "" : " | ").append(pad(cut(r[i], maxCell), w[i]));
                }
                out.println(b.toString().stripTrailing());
            }
            out.printf("(%d row%s)%n", rows.size(), rows.size() == 1 ? "" : "s");
        }
        return count;
    }

    /** A value as text; bytes (compress's codes) in hex, {@code \x0a1b...}, as PostgreSQL prints them. */
    private static String cell(Object o) throws SQLException {
        if (o instanceof Blob b) {
            return "\\x" + HexFormat.of().formatHex(b.getBytes(1, (int) b.length()));
        }
        return o == null ? null : o.toString();
    }

    private static String cut(String s, int max) {
        if (s == null) {
            return "NULL";
        }
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(Math.max(0, w - s.length()));
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
}

package dev.sluice.cli;

import dev.sluice.engine.SluiceException;
import java.io.PrintStream;
import java.sql.Blob;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints a result set as an aligned table, CSV, one JSON array or JSON lines (typed: see {@link JsonOutput}). Long
 * cells are cut in table form.
 */
final class ResultPrinter {
    private ResultPrinter() {}

    /** The formats of {@code sql --format}; {@code --json} is {@code json}. */
    static final String FORMATS = "table, csv, json or jsonl";

    static int print(ResultSet rs, String format, PrintStream out, int maxCell) throws SQLException {
        if (!List.of("table", "csv", "json", "jsonl").contains(format)) {
            throw SluiceException.usage("--format must be " + FORMATS + ", got '" + format + "'");
        }
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            names.add(md.getColumnLabel(i));
        }
        List<String[]> rows = new ArrayList<>();
        int count = 0;
        if (format.equals("json")) {
            out.print("[");
        }
        while (rs.next()) {
            count++;
            switch (format) {
                case "csv" -> {
                    if (count == 1) {
                        out.println(String.join(",", names.stream().map(ResultPrinter::csv).toList()));
                    }
                    List<String> cells = new ArrayList<>();
                    for (int i = 1; i <= n; i++) {
                        String c = cell(rs.getObject(i));
                        cells.add(c == null ? "" : csv(c));
                    }
                    out.println(String.join(",", cells));
                }
                case "json", "jsonl" -> {
                    // The values as JDBC types them, so numbers stay numbers and lists arrays.
                    Map<String, Object> m = new LinkedHashMap<>();
                    for (int i = 1; i <= n; i++) {
                        m.put(names.get(i - 1), rs.getObject(i));
                    }
                    String line = JsonOutput.toString(m, false);
                    out.print(format.equals("jsonl") ? line + "\n" : (count == 1 ? "\n" : ",\n") + line);
                }
                default -> {
                    String[] r = new String[n];
                    for (int i = 1; i <= n; i++) {
                        r[i - 1] = cell(rs.getObject(i));
                    }
                    rows.add(r);
                }
            }
        }
        if (format.equals("json")) {
            out.println(count == 0 ? "]" : "\n]");
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
            return JsonOutput.hex(b);
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

package dev.sluice.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * SQL kept as files under {@code sql/<job>/<step>.sql} with {@code ${name}} parameters.
 *
 * <p>A parameter is bound only to a {@link Fragment}: a quoted identifier, an escaped string literal,
 * a validated number, or a list of those. No caller can paste raw text into a statement, so a column
 * name or a path holding quotes or {@code ;} stays a name or a path.
 */
public final class Sql {
    private static final Pattern PARAM = Pattern.compile("\\$\\{([a-z_][a-z0-9_]*)}");

    /** A piece of SQL that is safe by construction: only this class makes them. */
    public static final class Fragment {
        private final String sql;

        private Fragment(String sql) {
            this.sql = sql;
        }

        public String sql() {
            return sql;
        }

        @Override
        public String toString() {
            return sql;
        }
    }

    private final String name;
    private final String text;
    private final Map<String, Fragment> bound = new HashMap<>();

    private Sql(String name, String text) {
        this.name = name;
        this.text = text;
    }

    /** Loads {@code sql/<path>.sql} from the class path. */
    public static Sql load(String path) {
        String resource = "/sql/" + path + ".sql";
        try (InputStream in = Sql.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw SluiceException.internal("missing SQL resource " + resource, null);
            }
            return new Sql(path, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw SluiceException.internal("cannot read SQL resource " + resource, e);
        }
    }

    /** A template from text, for tests and for statements that are a single call. */
    public static Sql of(String name, String text) {
        return new Sql(name, text);
    }

    public Sql bind(String param, Fragment value) {
        bound.put(param, value);
        return this;
    }

    /** The statement with every parameter replaced; a missing binding is a bug, not user error. */
    public String render() {
        Matcher m = PARAM.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            Fragment f = bound.get(m.group(1));
            if (f == null) {
                throw SluiceException.internal("SQL " + name + ": parameter ${" + m.group(1) + "} is not bound", null);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(f.sql()));
        }
        m.appendTail(out);
        return out.toString().strip().replaceAll(";\\s*$", "");
    }

    /** The rendered statement as a fragment, to nest it in another template (e.g. a table function). */
    public Fragment renderFragment() {
        return new Fragment(render());
    }

    // ---- fragments ----

    /** A quoted identifier: {@code "a""b"} for {@code a"b}. */
    public static Fragment ident(String name) {
        if (name == null || name.isEmpty() || name.indexOf('\0') >= 0) {
            throw SluiceException.usage("invalid column name '" + name + "'");
        }
        return new Fragment('"' + name.replace("\"", "\"\"") + '"');
    }

    /** A string literal: {@code 'it''s'}. */
    public static Fragment literal(String value) {
        if (value.indexOf('\0') >= 0) {
            throw SluiceException.usage("text contains a NUL character: " + value.replace('\0', '?'));
        }
        return new Fragment('\'' + value.replace("'", "''") + '\'');
    }

    public static Fragment number(long value) {
        return new Fragment(Long.toString(value));
    }

    public static Fragment bool(boolean value) {
        return new Fragment(value ? "true" : "false");
    }

    public static Fragment number(double value) {
        if (!Double.isFinite(value)) {
            throw SluiceException.usage("not a finite number: " + value);
        }
        return new Fragment(String.format(Locale.ROOT, "%.17g", value));
    }

    /** {@code a."x", a."y"}: columns of a table alias the SQL file itself names. */
    public static Fragment qualified(String alias, List<String> names) {
        if (!alias.matches("[a-z]+")) {
            throw new IllegalArgumentException("alias must be lower-case letters: " + alias);
        }
        return new Fragment(names.stream().map(n -> alias + "." + ident(n).sql()).collect(Collectors.joining(", ")));
    }

    /** {@code , a."x", a."y"} (or nothing): columns that follow others in a select or order list. */
    public static Fragment columnsAfter(String alias, List<String> names) {
        return new Fragment(names.isEmpty() ? "" : ", " + qualified(alias, names).sql());
    }

    /** {@code , "x", "y"} (or nothing): unqualified names after others, e.g. select-list names in an order list. */
    public static Fragment namesAfter(List<String> names) {
        return new Fragment(names.stream().map(n -> ", " + ident(n).sql()).collect(Collectors.joining()));
    }

    /** Fragments one after the other, as they are. */
    public static Fragment concat(List<Fragment> parts) {
        return new Fragment(parts.stream().map(Fragment::sql).collect(Collectors.joining()));
    }

    /** {@code (1, 2, 3)}: an IN list of integers. */
    public static Fragment numberTuple(List<Integer> values) {
        return new Fragment(values.stream().map(String::valueOf).collect(Collectors.joining(", ", "(", ")")));
    }

    /** {@code ['a', 'b']}: a DuckDB list of string literals, e.g. input files. */
    public static Fragment literalList(List<String> values) {
        return new Fragment(values.stream().map(v -> literal(v).sql())
                .collect(Collectors.joining(", ", "[", "]")));
    }

    /** {@code CAST(expr AS TYPE)} for a type name from the fixed set the engine uses. */
    public static Fragment cast(Fragment expr, String type) {
        if (!type.matches("[A-Z]+")) {
            throw new IllegalArgumentException("type must be a plain SQL type name: " + type);
        }
        return new Fragment("CAST(" + expr.sql() + " AS " + type + ")");
    }
}

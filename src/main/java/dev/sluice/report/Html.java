package dev.sluice.report;

import java.util.Locale;

/** Text and numbers as they go into the page: every piece of text escaped, numbers in one locale. */
final class Html {
    private Html() {}

    /** Escapes text for element content and quoted attribute values. */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A coordinate or attribute number: short, and the same on every machine. */
    static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** A count as people read it: 104,991. */
    static String count(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    /** A value with about three significant digits: 0.451, 41,259, 12.5. */
    static String value(double v) {
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100 || v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        String s = String.format(Locale.ROOT, a >= 0.1 ? "%.3f" : "%.2g", v);
        return s.contains("e") ? s : s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    /** A number exactly, for a {@code data-value} attribute: what a test or a script reads back. */
    static String exact(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** Bytes in MiB with one decimal. */
    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%,.1f", bytes / 1048576.0);
    }
}

package dev.sluice.engine;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints byte sizes: {@code 512MB}, {@code 1GB}, {@code 1.5GiB}, {@code 300k}. Units are powers of 1024. */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(?i)\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([kmgt]?)(i?b?)\\s*");

    private Sizes() {}

    public static long parse(String text, String what) {
        Matcher m = SIZE.matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw SluiceException.usage(String.format(Locale.ROOT,
                    "%s: cannot read size '%s'; write it like 512MB, 1GB or 1.5GiB", what, text));
        }
        double value = Double.parseDouble(m.group(1));
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        long bytes = (long) (value * (1L << shift));
        if (bytes <= 0) {
            throw SluiceException.usage(String.format(Locale.ROOT, "%s: size must be positive, got '%s'", what, text));
        }
        return bytes;
    }

    /** Human form with one decimal: {@code 1.5 GB}, {@code 267 MB}. */
    public static String format(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return v >= 100 ? String.format(Locale.ROOT, "%.0f %s", v, units[u])
                : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}

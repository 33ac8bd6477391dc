package dev.sluice.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Charts as inline SVG: lines over time (with vertical stage markers and horizontal levels such as a budget),
 * stacked bars (histograms), and points joined per series (the ann-benchmarks view). Each chart is an
 * {@code <svg class="chart" data-chart="ID">} whose drawn marks carry classes ({@code series} with
 * {@code data-points}, {@code bar}, {@code point}), so a test can tell from the DOM that it drew.
 */
final class Svg {
    static final int WIDTH = 560;
    static final int HEIGHT = 300;
    private static final int LEFT = 70;
    private static final int RIGHT = 16;
    private static final int TOP = 30;
    private static final int BOTTOM = 46;
    /** Tableau 10: distinct in colour and in grey. */
    private static final String[] COLORS = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
        "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

    private Svg() {}

    static String color(int i) {
        return COLORS[Math.floorMod(i, COLORS.length)];
    }

    /** An axis: its label and range, linear or logarithmic (base 10). */
    record Axis(String label, double min, double max, boolean log) {
        /** A linear axis over the values, from zero when they are all positive, rounded out to tick steps. */
        static Axis linear(String label, double... values) {
            double lo = 0;
            double hi = 0;
            for (double v : values) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            if (hi == lo) {
                hi = lo + 1;
            }
            double step = step(hi - lo);
            return new Axis(label, Math.floor(lo / step) * step, Math.ceil(hi / step) * step, false);
        }

        /** A log axis over the (positive) values, out to whole powers of ten. */
        static Axis log(String label, double... values) {
            double lo = Double.MAX_VALUE;
            double hi = 0;
            for (double v : values) {
                if (v > 0) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
            if (hi == 0) {
                return new Axis(label, 1, 10, true);
            }
            // A little room around the values, so that a point at 1,014 does not sit on an axis at 1,000.
            double a = Math.pow(10, Math.floor(Math.log10(lo / 1.3)));
            double b = Math.pow(10, Math.ceil(Math.log10(hi * 1.3)));
            return new Axis(label, a, b > a ? b : a * 10, true);
        }

        double fraction(double v) {
            if (log) {
                double lv = Math.log10(Math.max(v, min));
                return (lv - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
            }
            return (v - min) / (max - min);
        }

        List<Double> ticks() {
            List<Double> t = new ArrayList<>();
            if (log) {
                double decades = Math.log10(max / min);
                for (double p = min; p <= max * 1.0001; p *= 10) {
                    t.add(p);
                    if (decades <= 2) {
                        if (2 * p < max) {
                            t.add(2 * p);
                        }
                        if (5 * p < max) {
                            t.add(5 * p);
                        }
                    }
                }
                return t;
            }
            double step = step(max - min);
            for (double v = min; v <= max + step * 1e-6; v += step) {
                t.add(Math.abs(v) < step * 1e-9 ? 0 : v);
            }
            return t;
        }

        /** About five ticks at 1, 2 or 5 times a power of ten. */
        private static double step(double range) {
            double raw = range / 5;
            double p = Math.pow(10, Math.floor(Math.log10(raw)));
            double f = raw / p;
            return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
        }
    }

    /** A line: its name and points. */
    record Series(String name, double[] x, double[] y) {}

    /** A vertical marker at {@code x} (a stage's start). */
    record Marker(double x, String label) {}

    /** A horizontal level at {@code y} (the memory budget). */
    record Level(double y, String label) {}

    /** A labelled point of a series. */
    record Point(String series, String label, double x, double y) {}

    /** Lines over a shared x axis, with markers and levels. */
    static String lines(String id, String title, Axis x, Axis y, List<Series> series, List<Marker> markers,
                        List<Level> levels) {
        StringBuilder b = open(id, title);
        frame(b, x, y);
        for (int i = 0; i < markers.size(); i++) {
            Marker m = markers.get(i);
            double px = px(x, m.x());
            b.append("<line class=\"marker\" x1=\"").append(Html.num(px)).append("\" y1=\"").append(TOP)
                    .append("\" x2=\"").append(Html.num(px)).append("\" y2=\"").append(HEIGHT - BOTTOM)
                    .append("\" stroke=\"#999\" stroke-dasharray=\"3,3\"/>");
            // Stages that start close together: their names step down so that they do not overprint.
            b.append("<text class=\"marker-label\" x=\"").append(Html.num(px + 3)).append("\" y=\"")
                    .append(TOP + 10 + 11 * (i % 3)).append('"').append(anchor(px))
                    .append(" font-size=\"10\" fill=\"#555\">").append(Html.escape(m.label())).append("</text>");
        }
        for (Level l : levels) {
            double py = py(y, l.y());
            b.append("<line class=\"level\" x1=\"").append(LEFT).append("\" y1=\"").append(Html.num(py))
                    .append("\" x2=\"").append(WIDTH - RIGHT).append("\" y2=\"").append(Html.num(py))
                    .append("\" stroke=\"#c00\" stroke-width=\"1.5\"/>");
            b.append("<text class=\"level-label\" x=\"").append(WIDTH - RIGHT - 4).append("\" y=\"")
                    .append(Html.num(py - 4)).append("\" font-size=\"10\" fill=\"#c00\" text-anchor=\"end\">")
                    .append(Html.escape(l.label())).append("</text>");
        }
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            b.append("<polyline class=\"series\" data-series=\"").append(Html.escape(s.name()))
                    .append("\" data-points=\"").append(s.x().length).append("\" fill=\"none\" stroke=\"")
                    .append(color(i)).append("\" stroke-width=\"1.8\" points=\"");
            for (int j = 0; j < s.x().length; j++) {
                b.append(j == 0 ? "" : " ").append(Html.num(px(x, s.x()[j]))).append(',')
                        .append(Html.num(py(y, s.y()[j])));
            }
            b.append("\"/>");
        }
        if (series.size() > 1) {
            legend(b, series.stream().map(Series::name).toList());
        }
        return close(b);
    }

    /**
     * Stacked bars: one bar per category, one segment per series ({@code values[series][category]}), the
     * categories' labels under the axis (thinned when there are many).
     */
    static String bars(String id, String title, String xLabel, Axis y, List<String> categories, List<String> names,
                       double[][] values) {
        StringBuilder b = open(id, title);
        Axis x = new Axis(xLabel, 0, Math.max(categories.size(), 1), false);
        frame(b, x, y, false);
        double slot = (WIDTH - LEFT - RIGHT) / (double) Math.max(categories.size(), 1);
        double width = Math.max(slot * 0.8, 1);
        int every = Math.max(1, (int) Math.ceil(categories.size() / 12.0));
        for (int c = 0; c < categories.size(); c++) {
            double base = 0;
            double left = LEFT + c * slot + (slot - width) / 2;
            for (int s = 0; s < names.size(); s++) {
                double v = values[s][c];
                if (v <= 0) {
                    continue;
                }
                double top = py(y, base + v);
                double bottom = py(y, base);
                b.append("<rect class=\"bar\" data-series=\"").append(Html.escape(names.get(s)))
                        .append("\" data-value=\"").append(Html.exact(v)).append("\" x=\"").append(Html.num(left))
                        .append("\" y=\"").append(Html.num(top)).append("\" width=\"").append(Html.num(width))
                        .append("\" height=\"").append(Html.num(Math.max(bottom - top, 0.5))).append("\" fill=\"")
                        .append(color(s)).append("\"><title>").append(Html.escape(categories.get(c))).append(": ")
                        .append(Html.escape(names.get(s))).append(' ').append(Html.value(v))
                        .append("</title></rect>");
                base += v;
            }
            if (categories.size() <= 8 && names.size() == 1 && base > 0) {
                b.append("<text class=\"bar-value\" x=\"").append(Html.num(LEFT + (c + 0.5) * slot)).append("\" y=\"")
                        .append(Html.num(py(y, base) - 3)).append("\" font-size=\"10\" text-anchor=\"middle\">")
                        .append(Html.value(base)).append("</text>");
            }
            if (c % every == 0) {
                b.append("<text x=\"").append(Html.num(LEFT + (c + 0.5) * slot)).append("\" y=\"")
                        .append(HEIGHT - BOTTOM + 14).append("\" font-size=\"10\" text-anchor=\"middle\">")
                        .append(Html.escape(categories.get(c))).append("</text>");
            }
        }
        if (names.size() > 1) {
            legend(b, names);
        }
        return close(b);
    }

    /** Points joined per series in order of x, each labelled (the ann-benchmarks view). */
    static String points(String id, String title, Axis x, Axis y, List<Point> points) {
        StringBuilder b = open(id, title);
        frame(b, x, y);
        Map<String, List<Point>> bySeries = new LinkedHashMap<>();
        for (Point p : points) {
            bySeries.computeIfAbsent(p.series(), k -> new ArrayList<>()).add(p);
        }
        List<double[]> taken = new ArrayList<>();
        for (Point p : points) {
            double cx = px(x, p.x());
            double cy = py(y, p.y());
            taken.add(new double[] {cx - 4, cy - 4, cx + 4, cy + 4});
        }
        int i = 0;
        StringBuilder labels = new StringBuilder();
        for (Map.Entry<String, List<Point>> e : bySeries.entrySet()) {
            List<Point> ps = new ArrayList<>(e.getValue());
            ps.sort(Comparator.comparingDouble(Point::x));
            String color = color(i++);
            if (ps.size() > 1) {
                b.append("<polyline class=\"series\" data-series=\"").append(Html.escape(e.getKey()))
                        .append("\" data-points=\"").append(ps.size()).append("\" fill=\"none\" stroke=\"")
                        .append(color).append("\" stroke-width=\"1.5\" points=\"");
                for (int j = 0; j < ps.size(); j++) {
                    b.append(j == 0 ? "" : " ").append(Html.num(px(x, ps.get(j).x()))).append(',')
                            .append(Html.num(py(y, ps.get(j).y())));
                }
                b.append("\"/>");
            }
            for (Point p : ps) {
                double cx = px(x, p.x());
                double cy = py(y, p.y());
                b.append("<circle class=\"point\" data-series=\"").append(Html.escape(p.series())).append("\" cx=\"")
                        .append(Html.num(cx)).append("\" cy=\"").append(Html.num(cy)).append("\" r=\"4\" fill=\"")
                        .append(color).append("\"><title>").append(Html.escape(p.label())).append(": ")
                        .append(Html.escape(x.label())).append(' ').append(Html.value(p.x())).append(", ")
                        .append(Html.escape(y.label())).append(' ').append(Html.value(p.y()))
                        .append("</title></circle>");
                double[] at = placeLabel(cx, cy, 6 * p.label().length(), taken);
                labels.append("<text class=\"point-label\" x=\"").append(Html.num(at[0])).append("\" y=\"")
                        .append(Html.num(at[3] - 2)).append("\" font-size=\"10\" fill=\"").append(color).append("\">")
                        .append(Html.escape(p.label())).append("</text>");
            }
        }
        // Labels last, over the lines, in their point's colour.
        return close(b.append(labels));
    }

    /**
     * A label's box beside its point: right, left, above or below, further out if need be, the first place that
     * overlaps no point and no label placed before and stays inside the plot. Points of similar size and recall
     * often sit together; their labels must not be read as each other's.
     */
    private static double[] placeLabel(double cx, double cy, double width, List<double[]> taken) {
        double h = 11;
        double[] fallback = null;
        for (double d = 0; d <= 36; d += 12) {
            double[][] tries = {{cx + 7, cy - h / 2 - d}, {cx - 7 - width, cy - h / 2 - d}, {cx + 7, cy - h / 2 + d},
                {cx - 7 - width, cy - h / 2 + d}, {cx - width / 2, cy - 7 - h - d}, {cx - width / 2, cy + 7 + d}};
            for (double[] t : tries) {
                double[] box = {t[0], t[1], t[0] + width, t[1] + h};
                if (fallback == null) {
                    fallback = box;
                }
                boolean inside = box[0] >= LEFT && box[2] <= WIDTH - RIGHT && box[1] >= TOP && box[3] <= HEIGHT - BOTTOM;
                if (inside && taken.stream().noneMatch(o -> box[0] < o[2] && o[0] < box[2] && box[1] < o[3]
                        && o[1] < box[3])) {
                    taken.add(box);
                    return box;
                }
            }
        }
        taken.add(fallback);
        return fallback;
    }

    private static StringBuilder open(String id, String title) {
        StringBuilder b = new StringBuilder();
        b.append("<svg class=\"chart\" data-chart=\"").append(Html.escape(id)).append("\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
                .append(WIDTH).append(' ').append(HEIGHT).append("\" width=\"").append(WIDTH).append("\" height=\"")
                .append(HEIGHT).append("\" role=\"img\"><title>").append(Html.escape(title)).append("</title>");
        b.append("<text x=\"").append(LEFT).append("\" y=\"18\" font-size=\"13\" font-weight=\"bold\">")
                .append(Html.escape(title)).append("</text>");
        return b;
    }

    private static String close(StringBuilder b) {
        return b.append("</svg>").toString();
    }

    private static void frame(StringBuilder b, Axis x, Axis y) {
        frame(b, x, y, true);
    }

    /** Axes, grid, tick labels and axis labels; {@code xTicks} false for bar charts (they label categories). */
    private static void frame(StringBuilder b, Axis x, Axis y, boolean xTicks) {
        int bottom = HEIGHT - BOTTOM;
        for (double t : y.ticks()) {
            double py = py(y, t);
            b.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(Html.num(py)).append("\" x2=\"")
                    .append(WIDTH - RIGHT).append("\" y2=\"").append(Html.num(py)).append("\" stroke=\"#e5e5e5\"/>");
            b.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(Html.num(py + 3))
                    .append("\" font-size=\"10\" text-anchor=\"end\">").append(Html.value(t)).append("</text>");
        }
        if (xTicks) {
            for (double t : x.ticks()) {
                double px = px(x, t);
                b.append("<line x1=\"").append(Html.num(px)).append("\" y1=\"").append(bottom).append("\" x2=\"")
                        .append(Html.num(px)).append("\" y2=\"").append(bottom + 4).append("\" stroke=\"#333\"/>");
                b.append("<text x=\"").append(Html.num(px)).append("\" y=\"").append(bottom + 15)
                        .append("\" font-size=\"10\" text-anchor=\"middle\">").append(Html.value(t)).append("</text>");
            }
        }
        b.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(bottom).append("\" x2=\"").append(WIDTH - RIGHT)
                .append("\" y2=\"").append(bottom).append("\" stroke=\"#333\"/>");
        b.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(TOP).append("\" x2=\"").append(LEFT)
                .append("\" y2=\"").append(bottom).append("\" stroke=\"#333\"/>");
        b.append("<text x=\"").append((LEFT + WIDTH - RIGHT) / 2).append("\" y=\"").append(HEIGHT - 8)
                .append("\" font-size=\"11\" text-anchor=\"middle\">").append(Html.escape(x.label()))
                .append(x.log() ? " (log)" : "").append("</text>");
        b.append("<text transform=\"translate(14,").append((TOP + bottom) / 2).append(") rotate(-90)\" font-size=\"11\" ")
                .append("text-anchor=\"middle\">").append(Html.escape(y.label())).append(y.log() ? " (log)" : "")
                .append("</text>");
    }

    /** Under the plot, at the left (the title runs along the top, the x label sits in the middle). */
    private static void legend(StringBuilder b, List<String> names) {
        double x = 4;
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            b.append("<rect x=\"").append(Html.num(x)).append("\" y=\"").append(HEIGHT - 17)
                    .append("\" width=\"9\" height=\"9\" fill=\"").append(color(i)).append("\"/><text x=\"")
                    .append(Html.num(x + 12)).append("\" y=\"").append(HEIGHT - 9).append("\" font-size=\"10\">")
                    .append(Html.escape(n)).append("</text>");
            x += 22 + 6 * n.length();
        }
    }

    /** Text near the right edge ends at its point rather than running off the chart. */
    private static String anchor(double px) {
        return px > WIDTH * 0.75 ? " text-anchor=\"end\" dx=\"-12\"" : "";
    }

    private static double px(Axis x, double v) {
        return LEFT + x.fraction(v) * (WIDTH - LEFT - RIGHT);
    }

    private static double py(Axis y, double v) {
        return HEIGHT - BOTTOM - y.fraction(v) * (HEIGHT - TOP - BOTTOM);
    }
}

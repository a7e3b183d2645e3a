package io.werkstrom.app.report;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * Inline SVG charts for the report: a signal as its average line inside its min/max band with
 * anomalies as red dots, and grouped bars for predicted against actual scrap. Everything is drawn
 * in user units of a fixed view box, so the page scales without scripts.
 */
final class SvgChart {

    static final String ANOMALY_COLOUR = "#d62728";
    static final String LINE_COLOUR = "#1f77b4";
    static final String BAND_COLOUR = "#aec7e8";
    static final String ACTUAL_COLOUR = "#ff7f0e";
    static final String PREDICTED_COLOUR = "#2ca02c";

    private static final int WIDTH = 560;
    private static final int HEIGHT = 170;
    private static final int LEFT = 56;
    private static final int RIGHT = 8;
    private static final int TOP = 10;
    private static final int BOTTOM = 24;
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);

    private SvgChart() {
    }

    /** A signal chart; {@code marks} are the anomalies of this series. */
    static String signal(ReportData.Series series, List<ReportData.AnomalyMark> marks, Instant from, Instant to) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < series.times().length; i++) {
            lo = Math.min(lo, series.min()[i]);
            hi = Math.max(hi, series.max()[i]);
        }
        for (ReportData.AnomalyMark mark : marks) {
            lo = Math.min(lo, mark.value());
            hi = Math.max(hi, mark.value());
        }
        if (!(hi > lo)) {
            double centre = Double.isFinite(lo) ? lo : 0.0;
            lo = centre - 1.0;
            hi = centre + 1.0;
        }
        Scale x = new Scale(from.toEpochMilli(), to.toEpochMilli(), LEFT, WIDTH - RIGHT);
        Scale y = new Scale(lo, hi, HEIGHT - BOTTOM, TOP);
        StringBuilder svg = open("signal", series.gateway() + " / " + series.machine() + " " + series.sensor());
        axes(svg, x, y, from, to);
        StringBuilder band = new StringBuilder();
        StringBuilder line = new StringBuilder();
        int n = series.times().length;
        for (int i = 0; i < n; i++) {
            point(band, x.at(series.times()[i]), y.at(series.max()[i]));
            point(line, x.at(series.times()[i]), y.at(series.avg()[i]));
        }
        for (int i = n - 1; i >= 0; i--) {
            point(band, x.at(series.times()[i]), y.at(series.min()[i]));
        }
        svg.append("<polygon class=\"band\" fill=\"").append(BAND_COLOUR).append("\" fill-opacity=\"0.6\" points=\"")
                .append(band).append("\"/>");
        svg.append("<polyline class=\"line\" fill=\"none\" stroke=\"").append(LINE_COLOUR)
                .append("\" stroke-width=\"1.5\" points=\"").append(line).append("\"/>");
        for (ReportData.AnomalyMark mark : marks) {
            svg.append("<circle class=\"anomaly\" r=\"4\" fill=\"").append(ANOMALY_COLOUR).append("\" cx=\"")
                    .append(fmt(x.at(mark.time().toEpochMilli()))).append("\" cy=\"").append(fmt(y.at(mark.value())))
                    .append("\"><title>").append(Html.escape(mark.detector() + " score " + fmt(mark.score()) + " at "
                            + mark.time())).append("</title></circle>");
        }
        return svg.append("</svg>").toString();
    }

    /** Grouped bars: actual (and, where stored, predicted) scrap rate per machine and shift. */
    static String quality(List<ReportData.QualityRow> rows) {
        double hi = 0.05;
        for (ReportData.QualityRow row : rows) {
            hi = Math.max(hi, row.actualScrapRate());
            if (!Double.isNaN(row.predictedScrapRate())) {
                hi = Math.max(hi, row.predictedScrapRate());
            }
        }
        Scale y = new Scale(0, hi * 1.1, HEIGHT - BOTTOM, TOP);
        StringBuilder svg = open("quality", "scrap rate by machine and shift");
        double slot = (WIDTH - LEFT - RIGHT) / (double) Math.max(1, rows.size());
        double bar = Math.min(18, slot / 2.5);
        svg.append(axisLine(LEFT, TOP, LEFT, HEIGHT - BOTTOM)).append(axisLine(LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT,
                HEIGHT - BOTTOM));
        svg.append(label(LEFT - 4, TOP + 8, "end", percent(hi * 1.1))).append(label(LEFT - 4, HEIGHT - BOTTOM, "end", "0%"));
        for (int i = 0; i < rows.size(); i++) {
            ReportData.QualityRow row = rows.get(i);
            double left = LEFT + i * slot + (slot - 2 * bar) / 2;
            svg.append(rect("actual", ACTUAL_COLOUR, left, y.at(row.actualScrapRate()), bar,
                    HEIGHT - BOTTOM - y.at(row.actualScrapRate()), row.gateway() + " / " + row.machine() + " "
                            + row.shift() + " actual " + percent(row.actualScrapRate()) + " of " + row.parts()
                            + " parts"));
            if (!Double.isNaN(row.predictedScrapRate())) {
                svg.append(rect("predicted", PREDICTED_COLOUR, left + bar, y.at(row.predictedScrapRate()), bar,
                        HEIGHT - BOTTOM - y.at(row.predictedScrapRate()), row.gateway() + " / " + row.machine()
                                + " " + row.shift() + " predicted " + percent(row.predictedScrapRate())));
            }
            if (rows.size() <= 16) {
                svg.append(label(left + bar, HEIGHT - 8, "middle", shortName(row.machine()) + " " + row.shift()));
            }
        }
        return svg.append("</svg>").toString();
    }

    private static String shortName(String machine) {
        return machine.length() <= 10 ? machine : "…" + machine.substring(machine.length() - 9);
    }

    private static StringBuilder open(String kind, String title) {
        return new StringBuilder(4096).append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart ").append(kind)
                .append("\" data-chart=\"").append(kind).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ')
                .append(HEIGHT).append("\" role=\"img\"><title>").append(Html.escape(title)).append("</title>");
    }

    private static void axes(StringBuilder svg, Scale x, Scale y, Instant from, Instant to) {
        svg.append(axisLine(LEFT, TOP, LEFT, HEIGHT - BOTTOM))
                .append(axisLine(LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM));
        svg.append(label(LEFT - 4, TOP + 8, "end", number(y.domainHigh())))
                .append(label(LEFT - 4, HEIGHT - BOTTOM, "end", number(y.domainLow())));
        svg.append(label(LEFT, HEIGHT - 8, "start", CLOCK.format(from)))
                .append(label(WIDTH - RIGHT, HEIGHT - 8, "end", CLOCK.format(to) + " UTC"));
    }

    private static String axisLine(double x1, double y1, double x2, double y2) {
        return "<line stroke=\"#888\" stroke-width=\"1\" x1=\"" + fmt(x1) + "\" y1=\"" + fmt(y1) + "\" x2=\"" + fmt(x2)
                + "\" y2=\"" + fmt(y2) + "\"/>";
    }

    private static String label(double x, double y, String anchor, String text) {
        return "<text font-size=\"10\" fill=\"#444\" text-anchor=\"" + anchor + "\" x=\"" + fmt(x) + "\" y=\"" + fmt(y)
                + "\">" + Html.escape(text) + "</text>";
    }

    private static String rect(String kind, String colour, double x, double y, double w, double h, String title) {
        return "<rect class=\"" + kind + "\" fill=\"" + colour + "\" x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" width=\""
                + fmt(w) + "\" height=\"" + fmt(Math.max(0, h)) + "\"><title>" + Html.escape(title) + "</title></rect>";
    }

    private static void point(StringBuilder points, double x, double y) {
        points.append(fmt(x)).append(',').append(fmt(y)).append(' ');
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String number(double v) {
        return Math.abs(v) >= 1000 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    static String percent(double v) {
        return String.format(Locale.ROOT, "%.1f%%", v * 100);
    }

    /** A linear map from a domain to a pixel range. */
    private record Scale(double domainLow, double domainHigh, double rangeLow, double rangeHigh) {
        double at(double v) {
            double t = (v - domainLow) / (domainHigh - domainLow);
            return rangeLow + Math.max(0, Math.min(1, t)) * (rangeHigh - rangeLow);
        }
    }
}

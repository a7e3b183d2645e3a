package io.werkstrom.app.report;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders {@link ReportData} as one self-contained HTML page: inline CSS and SVG, no scripts, no
 * external resources, so it opens from a file, an e-mail attachment or a ticket, offline.
 */
public final class HtmlReport {

    private HtmlReport() {
    }

    public static String render(ReportData data, Instant generatedAt) {
        StringBuilder html = new StringBuilder(64 * 1024);
        String scope = data.tenant().map(t -> "tenant " + t).orElse("all tenants");
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>Werkstrom report: ").append(Html.escape(scope)).append("</title><style>")
                .append("body{font-family:system-ui,sans-serif;margin:24px;color:#222;background:#fff}")
                .append("h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}")
                .append("h3{font-size:14px;margin:12px 0 4px}.grid{display:flex;flex-wrap:wrap;gap:12px}")
                .append(".cell{width:560px}svg.chart{width:560px;height:170px;background:#fafafa}")
                .append("table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px}")
                .append(".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}")
                .append(".note{color:#666;font-style:italic}")
                .append("</style></head><body>\n");
        html.append("<h1>Werkstrom report: ").append(Html.escape(scope)).append("</h1>");
        html.append("<p>").append(seconds(data.from())).append(" to ").append(seconds(data.to())).append(" · ")
                .append(String.format(Locale.ROOT, "%,d", data.samples()))
                .append(" samples · ").append(shown(data.anomalies().size(), data.anomaliesInRange()))
                .append(" anomalies · ").append(shown(data.alerts().size(), data.alertsInRange()))
                .append(" alerts · generated ").append(seconds(generatedAt)).append("</p>\n");
        signals(html, data);
        quality(html, data);
        alerts(html, data);
        return html.append("</body></html>\n").toString();
    }

    /** A count, or "showing N of M" where the page shows only the newest N of the range's M. */
    private static String shown(int shown, long inRange) {
        return shown < inRange ? String.format(Locale.ROOT, "showing %,d (the newest) of %,d", shown, inRange)
                : String.format(Locale.ROOT, "%,d", inRange);
    }

    /** A note where the page shows fewer than the range holds (its caps, see {@link ReportData}). */
    private static void capped(StringBuilder html, int shown, long inRange, String what) {
        if (shown < inRange) {
            html.append("<p class=\"note\">Showing the ").append(String.format(Locale.ROOT, "%,d", shown))
                    .append(" newest of ").append(String.format(Locale.ROOT, "%,d", inRange)).append(' ').append(what)
                    .append(" of this range.</p>");
        }
    }

    private static String seconds(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static void signals(StringBuilder html, ReportData data) {
        html.append("<section id=\"signals\"><h2>Signals and anomalies</h2>")
                .append("<p class=\"legend\"><span style=\"background:").append(SvgChart.LINE_COLOUR)
                .append("\"></span>average<span style=\"background:").append(SvgChart.BAND_COLOUR)
                .append("\"></span>min–max<span style=\"background:").append(SvgChart.ANOMALY_COLOUR)
                .append("\"></span>anomaly</p>");
        if (data.series().isEmpty()) {
            html.append("<p class=\"note\">No samples in this range.</p></section>\n");
            return;
        }
        Map<String, List<ReportData.AnomalyMark>> marks = new LinkedHashMap<>();
        for (ReportData.AnomalyMark mark : data.anomalies()) {
            marks.computeIfAbsent(key(mark.tenant(), mark.gateway(), mark.machine(), mark.sensor()),
                    k -> new ArrayList<>()).add(mark);
        }
        capped(html, data.anomalies().size(), data.anomaliesInRange(), "anomalies");
        String machine = null;
        for (ReportData.Series series : data.series()) {
            String title = series.tenant() + " / " + series.gateway() + " / " + series.machine();
            if (!title.equals(machine)) {
                if (machine != null) {
                    html.append("</div>");
                }
                machine = title;
                html.append("<h3>").append(Html.escape(title)).append("</h3><div class=\"grid\">");
            }
            List<ReportData.AnomalyMark> own = marks.getOrDefault(key(series.tenant(), series.gateway(),
                    series.machine(), series.sensor()), List.of());
            html.append("<div class=\"cell\"><div>").append(Html.escape(series.sensor())).append(own.isEmpty() ? ""
                    : " · " + own.size() + " anomalies").append("</div>")
                    .append(SvgChart.signal(series, own, data.from(), data.to())).append("</div>");
        }
        html.append("</div></section>\n");
    }

    private static String key(String tenant, String gateway, String machine, String sensor) {
        return tenant + '\u0000' + gateway + '\u0000' + machine + '\u0000' + sensor;
    }

    private static void quality(StringBuilder html, ReportData data) {
        html.append("<section id=\"quality\"><h2>Quality: predicted and actual scrap</h2>");
        if (data.quality().isEmpty()) {
            html.append("<p class=\"note\">No finished parts in this range.</p></section>\n");
            return;
        }
        html.append("<p class=\"legend\"><span style=\"background:").append(SvgChart.ACTUAL_COLOUR)
                .append("\"></span>actual<span style=\"background:").append(SvgChart.PREDICTED_COLOUR)
                .append("\"></span>predicted</p>");
        if (!data.predictionsStored()) {
            html.append("<p class=\"note\">No quality predictions are stored in this database; actual scrap only.</p>");
        }
        html.append(SvgChart.quality(data.quality()));
        html.append("<table><tr><th>tenant</th><th>gateway</th><th>machine</th><th>shift</th><th>parts</th>")
                .append("<th>actual scrap</th><th>predicted scrap</th></tr>");
        for (ReportData.QualityRow row : data.quality()) {
            html.append("<tr><td>").append(Html.escape(row.tenant())).append("</td><td>")
                    .append(Html.escape(row.gateway())).append("</td><td>")
                    .append(Html.escape(row.machine())).append("</td><td>").append(row.shift()).append("</td><td>")
                    .append(row.parts()).append("</td><td>").append(SvgChart.percent(row.actualScrapRate()))
                    .append("</td><td>").append(Double.isNaN(row.predictedScrapRate()) ? "–"
                            : SvgChart.percent(row.predictedScrapRate())).append("</td></tr>");
        }
        html.append("</table></section>\n");
    }

    private static void alerts(StringBuilder html, ReportData data) {
        html.append("<section id=\"alerts\"><h2>Alerts</h2>");
        if (!data.alertsStored()) {
            html.append("<p class=\"note\">This database has no alerts table.</p></section>\n");
            return;
        }
        if (data.alerts().isEmpty()) {
            html.append("<p class=\"note\">No alerts open in this range.</p></section>\n");
            return;
        }
        capped(html, data.alerts().size(), data.alertsInRange(), "alerts");
        html.append("<table><tr><th>tenant</th><th>gateway</th><th>machine</th><th>rule</th><th>state</th>")
                .append("<th>opened</th><th>resolved</th><th>message</th></tr>");
        for (ReportData.AlertRow alert : data.alerts()) {
            html.append("<tr><td>").append(Html.escape(alert.tenant())).append("</td><td>")
                    .append(Html.escape(alert.gateway())).append("</td><td>")
                    .append(Html.escape(alert.machine())).append("</td><td>").append(Html.escape(alert.rule()))
                    .append("</td><td>").append(Html.escape(alert.state())).append("</td><td>")
                    .append(seconds(alert.opened())).append("</td><td>")
                    .append(alert.closed() == null ? "–" : seconds(alert.closed()))
                    .append("</td><td>").append(Html.escape(alert.message())).append("</td></tr>");
        }
        html.append("</table></section>\n");
    }
}

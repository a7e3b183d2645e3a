package io.werkstrom.gateway;

/**
 * Whether a {@link Gateway} is doing its job: running, collecting, and either connected or spooling
 * with room to spare. {@code reason} says why not (or "ok").
 *
 * @param healthy     the verdict
 * @param state       new, running, stopped or closed
 * @param connected   whether the publisher is connected
 * @param spoolFill   the spool's files as a fraction of its limit, 0 to 1
 * @param reason      "ok", or what is wrong
 */
public record GatewayHealth(boolean healthy, String state, boolean connected, double spoolFill, String reason) {

    /** The health as one JSON object (the body of {@code /health}). */
    public String toJson() {
        return "{\"status\":\"" + (healthy ? "up" : "down") + "\",\"state\":\"" + state + "\",\"connected\":" + connected
                + ",\"spool_fill\":" + Math.round(spoolFill * 10_000) / 10_000.0 + ",\"reason\":\""
                + escape(reason) + "\"}";
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(' ');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}

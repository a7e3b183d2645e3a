package io.werkstrom.protocol.mqtt;

import java.util.Locale;

/**
 * Broker URIs as Werkstrom's MQTT clients take them. The clients log in with a user name and a
 * password given apart (the password from a file or the environment): the MQTT client ignores a
 * URI's user-info, and a broker URI is logged and shown (in a gateway's first line, in a job's
 * arguments), so a password written into it would reach the logs and never the broker.
 */
public final class BrokerUris {

    private BrokerUris() {
    }

    /**
     * Refuses a URI with user-info ({@code user:password@}), naming it without the user-info under
     * {@code key}, and {@code credentialOptions}, where the user name and password go instead.
     * Checked before the URI is parsed, so that no parse error repeats the password either.
     */
    public static void requireNoUserInfo(String key, String uri, String credentialOptions) {
        if (uri == null) {
            return;
        }
        int schemeEnd = uri.indexOf("://");
        int authorityStart = schemeEnd < 0 ? 0 : schemeEnd + 3;
        // Only a WebSocket URI has a path, where an '@' may stand. In any other a '/' is no end of the
        // authority but part of a password (base64 holds '/'): "tcp://gw-1:s3/cr3t@broker:1883" parses as
        // host gw-1, and would be shown in the error that follows, or connect to another host.
        String scheme = schemeEnd < 0 ? "" : uri.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        String authorityEnds = scheme.equals("ws") || scheme.equals("wss") ? "/?#" : "?#";
        int authorityEnd = authorityStart;
        while (authorityEnd < uri.length() && authorityEnds.indexOf(uri.charAt(authorityEnd)) < 0) {
            authorityEnd++;
        }
        int at = uri.lastIndexOf('@', authorityEnd - 1);
        if (at < authorityStart) {
            return;
        }
        String prefix = schemeEnd < 0 ? "" : uri.substring(0, authorityStart);
        String withoutUserInfo = prefix + uri.substring(at + 1);
        throw new IllegalArgumentException(key + " '" + prefix + "***@" + uri.substring(at + 1) + "' must not carry"
                + " user-info (user:password@): the MQTT client does not log in with it, and the URI is logged. Give"
                + " the user name and the password with " + credentialOptions + ", e.g. '" + withoutUserInfo + "'.");
    }
}

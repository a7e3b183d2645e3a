package io.werkstrom.jobs.storage;

import java.util.Locale;
import java.util.Optional;

/**
 * JDBC URLs fit for messages and logs. A PostgreSQL URL can carry secrets as query parameters
 * ({@code ?user=u&password=p}, which PgJDBC prefers over the properties it is given); whatever
 * prints a URL or puts one into an exception's message passes it through {@link #redacted}.
 * Stateless and thread-safe.
 */
public final class JdbcUrls {

    /** What a secret parameter's value is replaced with. */
    public static final String MASK = "***";

    private JdbcUrls() {
    }

    /**
     * {@code url} with the values of its {@code password}, {@code sslpassword} and
     * {@code sslkey*} query parameters replaced by {@link #MASK}; everything else as it was.
     * Null gives {@code "null"}.
     */
    public static String redacted(String url) {
        if (url == null) {
            return "null";
        }
        int query = url.indexOf('?');
        if (query < 0) {
            return url;
        }
        StringBuilder text = new StringBuilder(url.length()).append(url, 0, query + 1);
        String[] parameters = url.substring(query + 1).split("&", -1);
        for (int i = 0; i < parameters.length; i++) {
            if (i > 0) {
                text.append('&');
            }
            String parameter = parameters[i];
            int equals = parameter.indexOf('=');
            String name = equals < 0 ? parameter : parameter.substring(0, equals);
            if (equals >= 0 && secret(name)) {
                text.append(name).append('=').append(MASK);
            } else {
                text.append(parameter);
            }
        }
        return text.toString();
    }

    /** The value of the URL's {@code user} query parameter, when it has one (PgJDBC connects as that user then). */
    public static Optional<String> user(String url) {
        int query = url == null ? -1 : url.indexOf('?');
        if (query < 0) {
            return Optional.empty();
        }
        for (String parameter : url.substring(query + 1).split("&")) {
            if (parameter.startsWith("user=") && parameter.length() > "user=".length()) {
                return Optional.of(java.net.URLDecoder.decode(parameter.substring("user=".length()),
                        java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }

    /** The user a connection to {@code url} logs in as: the URL's own {@code user} parameter, or {@code given}. */
    public static String effectiveUser(String url, String given) {
        return user(url).orElse(given);
    }

    private static boolean secret(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.equals("password") || lower.equals("sslpassword") || lower.startsWith("sslkey");
    }
}

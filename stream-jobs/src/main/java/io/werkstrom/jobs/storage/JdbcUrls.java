package io.werkstrom.jobs.storage;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * JDBC URLs fit for messages and logs. A PostgreSQL URL can carry secrets as query parameters
 * ({@code ?user=u&password=p}, which PgJDBC prefers over the properties it is given); whatever
 * prints a URL or puts one into an exception's message passes it through {@link #redacted}, and
 * whatever shows a driver's exception about a URL passes that through {@link #redacted(SQLException, String)}:
 * PgJDBC puts the URL as given into some of its messages ("Unable to parse URL ..."). A password
 * written into the URL's user-info ({@code //user:password@host}, which PgJDBC does not read but
 * takes for part of the host name, and names in its error) is masked too. Stateless and thread-safe.
 */
public final class JdbcUrls {

    /** What a secret parameter's value is replaced with. */
    public static final String MASK = "***";

    /** How every PostgreSQL JDBC URL begins. */
    public static final String PREFIX = "jdbc:postgresql:";

    private JdbcUrls() {
    }

    /**
     * {@code url} with the values of its {@code password}, {@code sslpassword} and
     * {@code sslkey*} query parameters, and the password of a user-info part, replaced by
     * {@link #MASK}; everything else as it was. Null gives {@code "null"}.
     */
    public static String redacted(String url) {
        if (url == null) {
            return "null";
        }
        int[] password = userInfoPassword(url);
        if (password != null) {
            url = url.substring(0, password[0]) + MASK + url.substring(password[1]);
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

    /**
     * {@code failure}, a driver's exception about a connection to {@code url}, fit to be shown: when
     * the message of an exception in its chain (causes and suppressed ones) holds {@code url} or one
     * of its secrets, a copy of the chain in which the URL is {@link #redacted(String)} and every
     * secret is {@link #MASK}; each copy keeps the SQLSTATE, the stack trace and, in its text, the
     * class of the exception it stands for. Otherwise {@code failure} itself.
     */
    public static SQLException redacted(SQLException failure, String url) {
        return (SQLException) redacted((Throwable) failure, url);
    }

    /**
     * As {@link #redacted(SQLException, String)}, for any failure (a command's, whose causes name
     * the URL): a copy is an {@link SQLException} that prints as the class it stands for.
     */
    public static Throwable redacted(Throwable failure, String url) {
        if (url == null || failure == null) {
            return failure;
        }
        List<String> secrets = secrets(url);
        if (!revealsAny(failure, url, secrets)) {
            return failure;
        }
        return copy(failure, url, secrets);
    }

    private static boolean revealsAny(Throwable failure, String url, List<String> secrets) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (reveals(t.getMessage(), url, secrets)) {
                return true;
            }
            for (Throwable suppressed : t.getSuppressed()) {
                if (revealsAny(suppressed, url, secrets)) {
                    return true;
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static boolean reveals(String message, String url, List<String> secrets) {
        if (message == null) {
            return false;
        }
        if (message.contains(url)) {
            return true;
        }
        return secrets.stream().anyMatch(message::contains);
    }

    private static Throwable copy(Throwable original, String url, List<String> secrets) {
        String message = original.getMessage();
        if (message != null) {
            message = message.replace(url, redacted(url));
            for (String secret : secrets) {
                message = message.replace(secret, MASK);
            }
        }
        Throwable cause = original.getCause() == null || original.getCause() == original ? null
                : copy(original.getCause(), url, secrets);
        Throwable copy = new RedactedException(original.getClass().getName(), message,
                original instanceof SQLException sql ? sql.getSQLState() : null,
                original instanceof SQLException sql ? sql.getErrorCode() : 0, cause);
        copy.setStackTrace(original.getStackTrace());
        for (Throwable suppressed : original.getSuppressed()) {
            copy.addSuppressed(copy(suppressed, url, secrets));
        }
        return copy;
    }

    /** Stands for a driver's exception whose message held a secret; prints as that exception's class. */
    private static final class RedactedException extends SQLException {
        private static final long serialVersionUID = 1L;
        private final String originalClass;

        RedactedException(String originalClass, String message, String sqlState, int vendorCode, Throwable cause) {
            super(message, sqlState, vendorCode, cause);
            this.originalClass = originalClass;
        }

        @Override
        public String toString() {
            String message = getLocalizedMessage();
            return message == null ? originalClass : originalClass + ": " + message;
        }
    }

    /** The secrets {@code url} carries, raw and decoded, the longest first (so that none is left half masked). */
    static List<String> secrets(String url) {
        List<String> secrets = new ArrayList<>();
        int[] password = userInfoPassword(url);
        if (password != null) {
            add(secrets, url.substring(password[0], password[1]));
        }
        int query = url.indexOf('?');
        if (query >= 0) {
            for (String parameter : url.substring(query + 1).split("&")) {
                int equals = parameter.indexOf('=');
                if (equals >= 0 && secret(parameter.substring(0, equals))) {
                    add(secrets, parameter.substring(equals + 1));
                }
            }
        }
        secrets.sort(Comparator.comparingInt(String::length).reversed());
        return secrets;
    }

    private static void add(List<String> secrets, String raw) {
        if (raw.isEmpty()) {
            return;
        }
        secrets.add(raw);
        try {
            String decoded = URLDecoder.decode(raw, StandardCharsets.UTF_8);
            if (!decoded.isEmpty() && !decoded.equals(raw)) {
                secrets.add(decoded);
            }
        } catch (IllegalArgumentException e) {
            // not %-encoded: the raw value is what a message would hold
        }
    }

    /**
     * Where the password of the URL's user-info ({@code jdbc:postgresql://user:password@host/...})
     * begins and ends, or null when it has none.
     */
    private static int[] userInfoPassword(String url) {
        int authority = url.indexOf("//");
        if (authority < 0) {
            return null;
        }
        authority += 2;
        int end = url.length();
        for (char c : new char[] {'/', '?', '#'}) {
            int at = url.indexOf(c, authority);
            if (at >= 0 && at < end) {
                end = at;
            }
        }
        int at = url.lastIndexOf('@', end - 1);
        if (at < authority) {
            return null;
        }
        int colon = url.indexOf(':', authority);
        if (colon < 0 || colon > at) {
            return null;
        }
        return new int[] {colon + 1, at};
    }

    /**
     * Whether {@code url} is a {@code jdbc:postgresql:} URL that PgJDBC can parse. Check this before
     * connecting: PgJDBC (and {@code DriverManager}, for a URL no driver takes) puts a URL it cannot
     * parse into its exception's message whole, secrets included ("Unable to parse URL ...", "No
     * suitable driver found for ...").
     */
    public static boolean isPostgres(String url) {
        return url != null && url.startsWith(PREFIX) && org.postgresql.Driver.parseURL(url, null) != null;
    }

    /**
     * Whether {@code url} carries a password: a {@code password} or {@code sslpassword} query
     * parameter, or a password written as user-info ({@code //user:password@host}).
     */
    public static boolean carriesPassword(String url) {
        if (url == null) {
            return false;
        }
        if (userInfoPassword(url) != null) {
            return true;
        }
        int query = url.indexOf('?');
        if (query < 0) {
            return false;
        }
        for (String parameter : url.substring(query + 1).split("&")) {
            int equals = parameter.indexOf('=');
            String name = (equals < 0 ? parameter : parameter.substring(0, equals)).toLowerCase(Locale.ROOT);
            if (name.equals("password") || name.equals("sslpassword")) {
                return true;
            }
        }
        return false;
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

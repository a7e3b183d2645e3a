package io.werkstrom.jobs.alert.notify;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * How the alert service reaches its mail server. Immutable; the password is copied and never shown
 * by {@link #toString()}.
 *
 * @param host      the mail server (a relay or a submission server)
 * @param port      25 for a relay, 587 for submission with STARTTLS, 465 for implicit TLS
 * @param from      the sender address, a plain address like {@code alerts@example.com}
 * @param security  {@link Security#NONE}, {@link Security#STARTTLS} or {@link Security#TLS}
 * @param username  null: no authentication; otherwise AUTH PLAIN or LOGIN, which needs TLS
 * @param password  with {@code username} only
 * @param caFile    PEM CA certificate(s) the server's certificate must chain to; null: the JVM's trust store
 * @param timeout   the longest one delivery may take, all of it (connecting, TLS, every read and write)
 */
public record SmtpOptions(String host, int port, String from, Security security, String username, char[] password,
                          Path caFile, Duration timeout) {

    /** How the connection is protected. */
    public enum Security {
        /** Plain text: only for a relay on a trusted network. */
        NONE,
        /** A plain connection upgraded by STARTTLS before anything else is sent; a server without it is refused. */
        STARTTLS,
        /** TLS from the first byte (SMTPS, port 465). */
        TLS;

        /** {@code none}, {@code starttls} or {@code tls}. */
        public static Security parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("smtp security must be none, starttls or tls, got '" + text + "'.");
            }
        }
    }

    public SmtpOptions {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("smtp host must not be empty.");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("smtp port must be between 1 and 65535, got " + port + ".");
        }
        if (from == null || !SmtpClient.ADDRESS.matcher(from).matches()) {
            throw new IllegalArgumentException("smtp from '" + from + "' must be a plain address like alerts@example.com.");
        }
        Objects.requireNonNull(security, "smtp security must not be null.");
        if (username != null) {
            if (username.isBlank()) {
                throw new IllegalArgumentException("smtp username must not be blank.");
            }
            if (security == Security.NONE) {
                throw new IllegalArgumentException("smtp username needs smtp security starttls or tls: a password is"
                        + " never sent in plain text.");
            }
            if (password == null || password.length == 0) {
                throw new IllegalArgumentException("smtp username " + username + " needs a password.");
            }
            password = password.clone();
        } else if (password != null) {
            throw new IllegalArgumentException("an smtp password needs an smtp username.");
        }
        if (caFile != null) {
            if (security == Security.NONE) {
                throw new IllegalArgumentException("an smtp CA file needs smtp security starttls or tls.");
            }
            if (!Files.isReadable(caFile)) {
                throw new IllegalArgumentException("smtp CA file not found or not readable: " + caFile);
            }
        }
        Objects.requireNonNull(timeout, "smtp timeout must not be null.");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("smtp timeout must be positive, got " + timeout + ".");
        }
    }

    /** A relay on a trusted network: no TLS, no authentication. */
    public static SmtpOptions relay(String host, int port, String from, Duration timeout) {
        return new SmtpOptions(host, port, from, Security.NONE, null, null, null, timeout);
    }

    @Override
    public char[] password() {
        return password == null ? null : password.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SmtpOptions o && host.equals(o.host) && port == o.port && from.equals(o.from)
                && security == o.security && Objects.equals(username, o.username) && Arrays.equals(password, o.password)
                && Objects.equals(caFile, o.caFile) && timeout.equals(o.timeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, port, from, security, username, Arrays.hashCode(password), caFile, timeout);
    }

    @Override
    public String toString() {
        return "SmtpOptions[" + host + ":" + port + ", from=" + from + ", security=" + security
                + (username == null ? "" : ", username=" + username + ", password=***")
                + (caFile == null ? "" : ", caFile=" + caFile) + ", timeout=" + timeout + "]";
    }
}

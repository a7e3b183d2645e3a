package io.werkstrom.jobs.alert.notify;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import io.werkstrom.jobs.alert.notify.SmtpOptions.Security;
import io.werkstrom.protocol.tls.PemSslContexts;
import io.werkstrom.protocol.tls.PemSslContexts.Pem;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small SMTP client (RFC 5321) for plain-text mail: EHLO, STARTTLS (RFC 3207) or implicit TLS when
 * configured, AUTH PLAIN or LOGIN (RFC 4954) when a user is set, MAIL FROM, RCPT TO, DATA, QUIT. With
 * TLS the server's certificate must chain to the CA file (or the JVM's trust store) and name the host.
 * A password is only ever sent over TLS. A 4xx reply is a temporary failure, a 5xx reply a permanent
 * one; a connection or TLS failure, or a session that outlasts the timeout, is temporary; a server without STARTTLS or without AUTH PLAIN or
 * LOGIN, where they are needed, is a permanent one. One connection per message; thread-safe.
 */
public final class SmtpClient {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpClient.class);

    /** Ends sessions that outlast their timeout; one daemon thread for every client. */
    private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

    /** A deliberately plain address: no spaces, angle brackets or line breaks can reach the protocol. */
    public static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+");

    private final SmtpOptions options;
    private final String heloName;
    private final SSLSocketFactory tls;

    /**
     * @throws IllegalArgumentException when the CA file cannot be read as PEM certificates
     */
    public SmtpClient(SmtpOptions options, String heloName) {
        this.options = options;
        this.heloName = heloName;
        this.tls = options.security() == Security.NONE ? null : tlsContext(options).getSocketFactory();
    }

    private static ScheduledThreadPoolExecutor watchdog() {
        ScheduledThreadPoolExecutor watchdog = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "smtp-session-deadline");
            thread.setDaemon(true);
            return thread;
        });
        watchdog.setRemoveOnCancelPolicy(true);
        return watchdog;
    }

    private static SSLContext tlsContext(SmtpOptions options) {
        if (options.caFile() != null) {
            return PemSslContexts.create(Pem.read("smtp CA file", options.caFile()), null, null);
        }
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no default TLS context", e);
        }
    }

    /**
     * Sends one plain-text UTF-8 message to {@code to}, quoted-printable. The whole session,
     * connecting included, ends after the timeout: a server that answers a byte now and then cannot
     * hold the caller for longer (a temporary failure). Once the server has accepted the message
     * (250 after its data) it is delivered, whatever becomes of the QUIT that follows.
     */
    public void send(String to, String subject, String body) throws DeliveryException {
        if (to == null || !ADDRESS.matcher(to).matches()) {
            throw new DeliveryException("e-mail target '" + to + "' is not a plain address", true);
        }
        String server = options.host() + ":" + options.port();
        Session session = new Session();
        // Timeouts on reads alone cannot bound a session: each read may bring one byte just in time.
        ScheduledFuture<?> deadline = WATCHDOG.schedule(session::expire, options.timeout().toMillis(),
                TimeUnit.MILLISECONDS);
        try (session) {
            session.open();
            session.expect(220, "greeting");
            List<String> capabilities = session.ehlo();
            if (options.security() == Security.STARTTLS) {
                if (!capabilities.contains("STARTTLS")) {
                    // A configuration that retrying cannot mend: fail for good, as a server without AUTH does.
                    throw new DeliveryException("the SMTP server " + server + " does not offer STARTTLS, which smtp"
                            + " security starttls requires (it offers " + capabilities + ")", true);
                }
                session.command("STARTTLS", 220, "STARTTLS");
                session.upgrade();
                capabilities = session.ehlo();
            }
            if (options.username() != null) {
                authenticate(session, capabilities);
            }
            session.command("MAIL FROM:<" + options.from() + ">", 250, "MAIL");
            session.command("RCPT TO:<" + to + ">", 250, "RCPT");
            session.command("DATA", 354, "DATA");
            session.write(message(to, subject, body));
            session.expect(250, "end of data");
            quit(session, server);
        } catch (IOException e) {
            if (session.expired()) {
                throw new DeliveryException("SMTP to " + server + " took longer than " + options.timeout(), false, e);
            }
            if (e instanceof SSLException) {
                throw new DeliveryException("TLS with the SMTP server " + server + " failed: " + e.getMessage()
                        + (options.caFile() == null ? " (its certificate must chain to the JVM's trust store and name "
                        + options.host() + "; a private CA goes in the smtp CA file)"
                        : " (its certificate must chain to " + options.caFile() + " and name " + options.host() + ")"),
                        false, e);
            }
            throw new DeliveryException("SMTP to " + server + " failed: " + e, false, e);
        } finally {
            deadline.cancel(false);
        }
    }

    /**
     * QUIT, best effort: the server took the message with its 250, so a connection that breaks now,
     * or an odd answer, must not fail the delivery (its retry would send the same mail again).
     */
    private static void quit(Session session, String server) {
        try {
            session.command("QUIT", 221, "QUIT");
        } catch (IOException | DeliveryException e) {
            LOG.debug("SMTP QUIT at {} after the message was accepted: {}", server, e.toString());
        }
    }

    /** AUTH PLAIN, else LOGIN; the credentials go out base64-encoded, over TLS only, and are never logged. */
    private void authenticate(Session session, List<String> capabilities) throws IOException, DeliveryException {
        Set<String> mechanisms = new LinkedHashSet<>();
        for (String capability : capabilities) {
            if (capability.startsWith("AUTH ") || capability.startsWith("AUTH=")) {
                mechanisms.addAll(Arrays.asList(capability.substring(5).trim().split("\\s+")));
            }
        }
        byte[] user = options.username().getBytes(StandardCharsets.UTF_8);
        byte[] password = utf8(options.password());
        try {
            if (mechanisms.contains("PLAIN")) {
                byte[] token = new byte[user.length + password.length + 2];
                System.arraycopy(user, 0, token, 1, user.length);
                System.arraycopy(password, 0, token, user.length + 2, password.length);
                session.command("AUTH PLAIN " + Base64.getEncoder().encodeToString(token), 235, "AUTH PLAIN");
                Arrays.fill(token, (byte) 0);
            } else if (mechanisms.contains("LOGIN")) {
                session.command("AUTH LOGIN", 334, "AUTH LOGIN");
                session.command(Base64.getEncoder().encodeToString(user), 334, "AUTH LOGIN user name");
                session.command(Base64.getEncoder().encodeToString(password), 235, "AUTH LOGIN password");
            } else {
                throw new DeliveryException("the SMTP server " + options.host() + ":" + options.port() + " offers no"
                        + " AUTH PLAIN or LOGIN for user " + options.username() + " (it offers " + capabilities + ")",
                        true);
            }
        } finally {
            Arrays.fill(password, (byte) 0);
        }
    }

    private static byte[] utf8(char[] chars) {
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        Arrays.fill(chars, '\0');
        return bytes;
    }

    private String message(String to, String subject, String body) {
        StringBuilder text = new StringBuilder();
        text.append("From: ").append(options.from()).append("\r\n");
        text.append("To: ").append(to).append("\r\n");
        text.append("Subject: ").append(encodeHeader(subject)).append("\r\n");
        text.append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now())).append("\r\n");
        text.append("Message-ID: <").append(UUID.randomUUID()).append('@').append(heloName).append(">\r\n");
        text.append("MIME-Version: 1.0\r\n");
        text.append("Content-Type: text/plain; charset=UTF-8\r\n");
        text.append("Content-Transfer-Encoding: quoted-printable\r\n\r\n");
        for (String line : quotedPrintable(body)) {
            // Dot-stuffing: a line starting with '.' must not end the DATA section early.
            text.append(line.startsWith(".") ? "." + line : line).append("\r\n");
        }
        text.append(".\r\n");
        return text.toString();
    }

    /**
     * The body's lines in quoted-printable (RFC 2045): ASCII lines of at most 76 characters, so that
     * no relay refuses or breaks a line longer than SMTP's 998 (an alert's JSON, a long data gap) or
     * sees bytes beyond ASCII without 8BITMIME; a mail client shows the text as it was.
     */
    private static List<String> quotedPrintable(String body) {
        List<String> lines = new ArrayList<>();
        for (String line : body.replace("\r\n", "\n").split("\n", -1)) {
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            StringBuilder encoded = new StringBuilder();
            for (int i = 0; i < bytes.length; i++) {
                int b = bytes[i] & 0xFF;
                // A space or tab ending a line is encoded: relays may strip it.
                boolean literal = (b > 32 && b < 127 && b != '=') || ((b == ' ' || b == '\t') && i < bytes.length - 1);
                String character = literal ? String.valueOf((char) b) : String.format(Locale.ROOT, "=%02X", b);
                if (encoded.length() + character.length() > 75) {
                    lines.add(encoded.append('=').toString()); // a soft line break
                    encoded.setLength(0);
                }
                encoded.append(character);
            }
            lines.add(encoded.toString());
        }
        return lines;
    }

    private static String encodeHeader(String value) {
        String oneLine = value.replaceAll("[\\r\\n]+", " ");
        if (oneLine.chars().allMatch(c -> c >= 32 && c < 127)) {
            return oneLine;
        }
        return "=?UTF-8?B?" + Base64.getEncoder().encodeToString(oneLine.getBytes(StandardCharsets.UTF_8)) + "?=";
    }

    /**
     * One connection to the server: plain, upgraded by STARTTLS, or TLS from the start. The
     * watchdog's {@link #expire()} closes it from another thread when the session's time is up.
     */
    private final class Session implements AutoCloseable {
        private final Socket plain = new Socket();
        private volatile Socket socket = plain;
        private volatile boolean expired;
        private BufferedReader in;
        private OutputStream out;

        void open() throws IOException {
            int timeout = (int) options.timeout().toMillis();
            plain.connect(new InetSocketAddress(options.host(), options.port()), timeout);
            plain.setSoTimeout(timeout);
            if (options.security() == Security.TLS) {
                socket = handshake(plain);
            }
            streams();
        }

        /** Ends the session now: a blocked connect, handshake, read or write fails at once. */
        void expire() {
            expired = true;
            try {
                close();
            } catch (IOException e) {
                // Closing is all that is wanted; the blocked call reports the session's end.
            }
        }

        boolean expired() {
            return expired;
        }

        void upgrade() throws IOException {
            socket = handshake(socket);
            streams();
        }

        private Socket handshake(Socket plain) throws IOException {
            SSLSocket secured = (SSLSocket) tls.createSocket(plain, options.host(), options.port(), true);
            SSLParameters parameters = secured.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            secured.setSSLParameters(parameters);
            secured.startHandshake();
            return secured;
        }

        private void streams() throws IOException {
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        /** EHLO; returns the extensions the server announced, upper-cased (e.g. {@code STARTTLS}, {@code AUTH PLAIN LOGIN}). */
        List<String> ehlo() throws IOException, DeliveryException {
            List<String> reply = command("EHLO " + heloName, 250, "EHLO");
            List<String> extensions = new ArrayList<>();
            for (String line : reply.subList(1, reply.size())) {
                extensions.add(line.length() > 4 ? line.substring(4).trim().toUpperCase(Locale.ROOT) : "");
            }
            return extensions;
        }

        List<String> command(String line, int expected, String step) throws IOException, DeliveryException {
            write(line + "\r\n");
            return expect(expected, step);
        }

        void write(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** Reads a (possibly multi-line) reply, checks its code and returns its lines. */
        List<String> expect(int expected, String step) throws IOException, DeliveryException {
            List<String> lines = new ArrayList<>();
            String line;
            do {
                line = in.readLine();
                if (line == null) {
                    throw new IOException("the SMTP server closed the connection during " + step);
                }
                lines.add(line);
            } while (line.length() > 3 && line.charAt(3) == '-');
            int code;
            try {
                code = Integer.parseInt(line.substring(0, Math.min(3, line.length())));
            } catch (NumberFormatException e) {
                throw new IOException("unreadable SMTP reply to " + step + ": " + line, e);
            }
            if (code != expected && !(expected == 250 && code == 251)) {
                throw new DeliveryException("SMTP " + step + " answered: " + line, code >= 500);
            }
            return lines;
        }

        @Override
        public void close() throws IOException {
            try {
                socket.close();
            } finally {
                // An SSLSocket layered over it closes it too, unless its handshake never finished.
                plain.close();
            }
        }
    }
}

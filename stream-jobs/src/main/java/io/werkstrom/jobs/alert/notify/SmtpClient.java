package io.werkstrom.jobs.alert.notify;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A minimal SMTP client (RFC 5321) for plain-text mail to a relay: EHLO, MAIL FROM, RCPT TO,
 * DATA, QUIT, over a plain socket, without TLS or authentication, so it is meant for a relay on
 * a trusted network (a local MTA that does TLS and authentication onwards). A 4xx reply is a
 * temporary failure, a 5xx reply a permanent one. One connection per message; thread-safe.
 */
public final class SmtpClient {

    /** A deliberately plain address: no spaces, angle brackets or line breaks can reach the protocol. */
    public static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+");

    private final String host;
    private final int port;
    private final String from;
    private final String heloName;
    private final Duration timeout;

    public SmtpClient(String host, int port, String from, String heloName, Duration timeout) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("smtp host must not be empty.");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("smtp port must be between 1 and 65535, got " + port + ".");
        }
        if (from == null || !ADDRESS.matcher(from).matches()) {
            throw new IllegalArgumentException("smtp from '" + from + "' must be a plain address like alerts@example.com.");
        }
        this.host = host;
        this.port = port;
        this.from = from;
        this.heloName = heloName;
        this.timeout = timeout;
    }

    /** Sends one plain-text UTF-8 message to {@code to}. */
    public void send(String to, String subject, String body) throws DeliveryException {
        if (to == null || !ADDRESS.matcher(to).matches()) {
            throw new DeliveryException("e-mail target '" + to + "' is not a plain address", true);
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            expect(in, 220, "greeting");
            command(out, in, "EHLO " + heloName, 250);
            command(out, in, "MAIL FROM:<" + from + ">", 250);
            command(out, in, "RCPT TO:<" + to + ">", 250);
            command(out, in, "DATA", 354);
            out.write(message(to, subject, body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            expect(in, 250, "end of data");
            command(out, in, "QUIT", 221);
        } catch (IOException e) {
            throw new DeliveryException("SMTP to " + host + ":" + port + " failed: " + e, false, e);
        }
    }

    private String message(String to, String subject, String body) {
        StringBuilder text = new StringBuilder();
        text.append("From: ").append(from).append("\r\n");
        text.append("To: ").append(to).append("\r\n");
        text.append("Subject: ").append(encodeHeader(subject)).append("\r\n");
        text.append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now())).append("\r\n");
        text.append("Message-ID: <").append(UUID.randomUUID()).append('@').append(heloName).append(">\r\n");
        text.append("MIME-Version: 1.0\r\n");
        text.append("Content-Type: text/plain; charset=UTF-8\r\n");
        text.append("Content-Transfer-Encoding: 8bit\r\n\r\n");
        for (String line : body.replace("\r\n", "\n").split("\n", -1)) {
            // Dot-stuffing: a line starting with '.' must not end the DATA section early.
            text.append(line.startsWith(".") ? "." + line : line).append("\r\n");
        }
        text.append(".\r\n");
        return text.toString();
    }

    private static String encodeHeader(String value) {
        String oneLine = value.replaceAll("[\\r\\n]+", " ");
        if (oneLine.chars().allMatch(c -> c >= 32 && c < 127)) {
            return oneLine;
        }
        return "=?UTF-8?B?" + Base64.getEncoder().encodeToString(oneLine.getBytes(StandardCharsets.UTF_8)) + "?=";
    }

    private static void command(OutputStream out, BufferedReader in, String line, int expected) throws IOException,
            DeliveryException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        expect(in, expected, line.split(" ")[0]);
    }

    /** Reads a (possibly multi-line) reply and checks its code. */
    private static void expect(BufferedReader in, int expected, String step) throws IOException, DeliveryException {
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("the SMTP server closed the connection during " + step);
            }
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
    }
}

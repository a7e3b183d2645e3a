package io.werkstrom.jobs.alert;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local SMTP server on loopback for tests: speaks enough of RFC 5321 for one message per
 * connection and keeps every message (envelope and data, dot-stuffing undone).
 */
public final class SmtpSink implements AutoCloseable {

    /** One received message. */
    public record Mail(String from, List<String> to, String data) {
        public String header(String name) {
            for (String line : data.split("\r\n")) {
                if (line.isEmpty()) {
                    return null;
                }
                if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                    return line.substring(name.length() + 1).strip();
                }
            }
            return null;
        }
    }

    private final ServerSocket socket;
    private final Thread thread;
    private final List<Mail> mails = new CopyOnWriteArrayList<>();

    public SmtpSink() throws IOException {
        socket = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        thread = new Thread(this::serve, "smtp-sink");
        thread.setDaemon(true);
        thread.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    public List<Mail> mails() {
        return List.copyOf(mails);
    }

    private void serve() {
        while (!socket.isClosed()) {
            try (Socket client = socket.accept()) {
                session(client);
            } catch (IOException e) {
                // A closed server socket ends the loop; a broken session is the client's problem.
            }
        }
    }

    private void session(Socket client) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
        OutputStream out = client.getOutputStream();
        reply(out, "220 sink ESMTP");
        String from = null;
        List<String> to = new ArrayList<>();
        String line;
        while ((line = in.readLine()) != null) {
            String upper = line.toUpperCase();
            if (upper.startsWith("EHLO") || upper.startsWith("HELO")) {
                reply(out, "250-sink\r\n250 8BITMIME");
            } else if (upper.startsWith("MAIL FROM:")) {
                from = line.substring(10).replaceAll("[<>]", "").strip();
                reply(out, "250 ok");
            } else if (upper.startsWith("RCPT TO:")) {
                to.add(line.substring(8).replaceAll("[<>]", "").strip());
                reply(out, "250 ok");
            } else if (upper.equals("DATA")) {
                reply(out, "354 go on");
                StringBuilder data = new StringBuilder();
                String dataLine;
                while ((dataLine = in.readLine()) != null && !dataLine.equals(".")) {
                    data.append(dataLine.startsWith("..") ? dataLine.substring(1) : dataLine).append("\r\n");
                }
                mails.add(new Mail(from, List.copyOf(to), data.toString()));
                reply(out, "250 queued");
            } else if (upper.equals("QUIT")) {
                reply(out, "221 bye");
                return;
            } else {
                reply(out, "502 unknown command");
            }
        }
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

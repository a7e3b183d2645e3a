package io.werkstrom.jobs.alert;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.werkstrom.protocol.net.FreePorts;
import io.werkstrom.testing.TestPki;

/**
 * A real SMTP server for tests: aiosmtpd (Debian package {@code python3-aiosmtpd}, which
 * {@code ./werkstrom test} installs) as a child process on a free loopback port, with the server
 * certificate of a {@link TestPki}, one user, and STARTTLS required, implicit TLS, or no TLS (then no
 * AUTH either: aiosmtpd offers it over TLS only). It keeps every message it accepted.
 */
public final class SmtpServer implements AutoCloseable {

    public enum Mode { STARTTLS, TLS, PLAIN }

    /** One accepted message: whether its session was encrypted, who logged in ("-": nobody), envelope and data. */
    public record Mail(boolean tls, String user, String from, List<String> to, String data) {
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

        /** The text after the header, decoded when it is quoted-printable. */
        public String body() {
            String raw = data.substring(data.indexOf("\r\n\r\n") + 4);
            if (!"quoted-printable".equalsIgnoreCase(header("Content-Transfer-Encoding"))) {
                return raw;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            byte[] encoded = raw.replace("=\r\n", "").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < encoded.length; i++) {
                if (encoded[i] == '=') {
                    bytes.write(Integer.parseInt(new String(encoded, i + 1, 2, StandardCharsets.US_ASCII), 16));
                    i += 2;
                } else {
                    bytes.write(encoded[i]);
                }
            }
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    private static final Path PYTHON = Path.of("/usr/bin/python3");

    private final Process process;
    private final Path messages;
    private final int port;

    private SmtpServer(Process process, Path messages, int port) {
        this.process = process;
        this.messages = messages;
        this.port = port;
    }

    /** Starts the server and waits until it listens; fails with the way to install it when it is missing. */
    public static SmtpServer start(Mode mode, TestPki pki, String user, String password) throws IOException {
        Path script = Path.of("src/test/resources/smtp/smtp_server.py").toAbsolutePath();
        if (!Files.isExecutable(PYTHON) || !Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/aiosmtpd"))) {
            throw new IllegalStateException("the SMTP test server needs aiosmtpd: apt-get install python3-aiosmtpd"
                    + " (./werkstrom test installs it)");
        }
        Path messages = Files.createTempDirectory("werkstrom-smtp-");
        return FreePorts.startOnFreePort(port -> {
            try {
                return launch(mode, pki, user, password, script, messages, port);
            } catch (IOException e) {
                throw new UncheckedIOException("could not start the SMTP test server", e);
            }
        });
    }

    private static SmtpServer launch(Mode mode, TestPki pki, String user, String password, Path script, Path messages,
                                     int port) throws IOException {
        Process process = new ProcessBuilder(PYTHON.toString(), script.toString(), mode.name().toLowerCase(),
                String.valueOf(port), pki.server().certificate().toString(), pki.server().privateKey().toString(),
                user, password, messages.toString())
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        List<String> seen = new ArrayList<>();
        for (String line; (line = out.readLine()) != null; ) {
            if (line.equals("ready " + port)) {
                Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "smtp-server-output");
                drain.setDaemon(true);
                drain.start();
                return new SmtpServer(process, messages, port);
            }
            seen.add(line);
        }
        process.destroyForcibly();
        throw new IllegalStateException("the SMTP test server did not start: " + String.join("\n", seen));
    }

    public int port() {
        return port;
    }

    /** The accepted messages, oldest first. */
    public List<Mail> mails() throws IOException {
        try (Stream<Path> files = Files.list(messages)) {
            List<Path> done = files.filter(f -> f.getFileName().toString().endsWith(".eml"))
                    .sorted((a, b) -> Integer.compare(number(a), number(b))).toList();
            List<Mail> mails = new ArrayList<>();
            for (Path file : done) {
                mails.add(parse(Files.readString(file, StandardCharsets.UTF_8)));
            }
            return mails;
        }
    }

    /** The server's two lines ("X-Test-Session: tls=… user=…", "X-Test-Envelope: from=… to=…"), then the data. */
    private static Mail parse(String text) {
        String[] lines = text.split("\r\n", 3);
        Matcher session = Pattern.compile("X-Test-Session: tls=(True|False) user=(\\S+)").matcher(lines[0]);
        Matcher envelope = Pattern.compile("X-Test-Envelope: from=(\\S*) to=(\\S*)").matcher(lines[1]);
        if (!session.matches() || !envelope.matches()) {
            throw new IllegalStateException("unexpected message file: " + lines[0] + " / " + lines[1]);
        }
        return new Mail(session.group(1).equals("True"), session.group(2), envelope.group(1),
                List.of(envelope.group(2).split(",")), lines[2]);
    }

    private static int number(Path file) {
        String name = file.getFileName().toString();
        return Integer.parseInt(name.substring(0, name.indexOf('.')));
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.getOutputStream().close();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.list(messages)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
        }
        Files.deleteIfExists(messages);
    }
}

package io.werkstrom.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link ClusterRestClient} against a loopback server that answers with whatever a test gives it. */
class ClusterRestClientTest {

    private ServerSocket server;
    private final List<Socket> accepted = new ArrayList<>();
    private final List<String> requestLines = new ArrayList<>();
    private Thread acceptor;

    @BeforeEach
    void open() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void close() throws Exception {
        server.close();
        synchronized (accepted) {
            for (Socket socket : accepted) {
                socket.close();
            }
        }
        if (acceptor != null) {
            acceptor.join(5_000);
        }
    }

    /** Answers every request with {@code answer} and then keeps the connection open without a word more. */
    private ClusterRestClient answering(String answer, Duration timeout) {
        return answering(answer, timeout, "");
    }

    private ClusterRestClient answering(String answer, Duration timeout, String basePath) {
        acceptor = new Thread(() -> {
            try {
                while (true) {
                    Socket socket = server.accept();
                    synchronized (accepted) {
                        accepted.add(socket);
                    }
                    String requestLine = readHeaders(socket.getInputStream()).lines().findFirst().orElse("");
                    synchronized (requestLines) {
                        requestLines.add(requestLine);
                    }
                    OutputStream out = socket.getOutputStream();
                    out.write(answer.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            } catch (IOException closed) {
                // the test is over
            }
        }, "stalling-jobmanager");
        acceptor.setDaemon(true);
        acceptor.start();
        return new ClusterRestClient(URI.create("http://127.0.0.1:" + server.getLocalPort() + basePath), timeout);
    }

    /** The request's head, read up to its blank line. */
    private static String readHeaders(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int matched = 0;
        byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int b = in.read(); b >= 0; b = in.read()) {
            head.append((char) b);
            matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
            if (matched == end.length) {
                break;
            }
        }
        return head.toString();
    }

    @Test
    void aJobManagerThatStallsInTheMiddleOfItsAnswerFailsTheCallWithinTheTimeout() {
        ClusterRestClient rest = answering("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n\r\n{\"state\":", Duration.ofSeconds(1));
        // The guard only keeps a hanging call from holding the build; the call itself must end after 1 s.
        IOException failure = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(IOException.class, () -> rest.jobState("0123")));
        assertTrue(failure.getMessage().contains("the state of job 0123")
                && failure.getMessage().contains("no complete answer"), failure.getMessage());
    }

    @Test
    void aRefusedRunNamesTheRequestAndTheServersReason() {
        String reason = "{\"errors\":[\"org.apache.flink.client.program.ProgramInvocationException: missing required"
                + " argument --store.user\"]}";
        ClusterRestClient rest = answering("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + reason.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n"
                + reason, Duration.ofSeconds(10));
        IOException failure = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(IOException.class, () -> rest.runJar("abc_job.jar", List.of("--mqtt.uri=tcp://b:1883"))));
        assertTrue(failure.getMessage().startsWith("running jar abc_job.jar failed: HTTP 500")
                && failure.getMessage().contains("missing required argument --store.user"), failure.getMessage());
    }

    @Test
    void aBaseAddressWithAPathKeepsItInEveryRequest() throws Exception {
        String job = "{\"state\":\"RUNNING\"}";
        ClusterRestClient rest = answering("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + job.length() + "\r\nConnection: close\r\n\r\n" + job, Duration.ofSeconds(10), "/flink/");
        assertEquals("RUNNING", assertTimeoutPreemptively(Duration.ofSeconds(30), () -> rest.jobState("0123")));
        synchronized (requestLines) {
            assertEquals(List.of("GET /flink/jobs/0123 HTTP/1.1"), requestLines);
        }
    }

    @Test
    void anAnswerThatIsNotJsonNamesTheRequest() {
        String page = "<html><body>502 Bad Gateway</body></html>";
        ClusterRestClient rest = answering("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
                + page.length() + "\r\nConnection: close\r\n\r\n" + page, Duration.ofSeconds(10));
        IOException failure = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(IOException.class, () -> rest.jobState("0123")));
        assertTrue(failure.getMessage().startsWith("the state of job 0123 failed: the answer of http://127.0.0.1:")
                && failure.getMessage().endsWith("/jobs/0123 is not JSON: " + page), failure.getMessage());
    }

    /** A long page is quoted cut to 200 characters, and the cut never splits a character in two. */
    @Test
    void aLongAnswerThatIsNotJsonIsQuotedCutWithoutSplittingACharacter() {
        String page = "<html>" + "m".repeat(193) + "😀" + "m".repeat(100) + "</html>"; // halves at 199, 200
        ClusterRestClient rest = answering("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                + "Content-Length: " + page.getBytes(StandardCharsets.UTF_8).length
                + "\r\nConnection: close\r\n\r\n" + page, Duration.ofSeconds(10));
        IOException failure = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(IOException.class, () -> rest.jobState("0123")));
        String message = failure.getMessage();
        assertEquals(message, new String(message.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8),
                "well-formed: survives UTF-8");
        assertTrue(message.endsWith("/jobs/0123 is not JSON: <html>" + "m".repeat(191) + "..."), message);
    }
}

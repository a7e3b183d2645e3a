package io.werkstrom.app.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.werkstrom.app.cli.UsageException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The alert service's mail and HTTPS options are checked before anything connects. */
class AlertsCommandTest {

    @TempDir
    Path dir;

    private static String refusal(String... smtp) {
        List<String> argv = new ArrayList<>(List.of("--broker", "tcp://127.0.0.1:1", "--jdbc-url",
                "jdbc:postgresql://127.0.0.1:1/none"));
        argv.addAll(List.of(smtp));
        PrintStream sink = new PrintStream(new ByteArrayOutputStream());
        return assertThrows(UsageException.class, () -> AlertsCommand.run(argv, sink, sink)).getMessage();
    }

    @Test
    void aLoginNeedsTlsAndAPassword() throws Exception {
        Path password = Files.writeString(dir.resolve("smtp-password"), "pw\n");
        assertEquals("alerts: smtp username needs smtp security starttls or tls: a password is never sent in plain"
                + " text.", refusal("--smtp-host", "mail", "--smtp-from", "a@example.com", "--smtp-username", "alice",
                "--smtp-password-file", password.toString()));
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertEquals("alerts: smtp username alice needs a password.", refusal("--smtp-host", "mail", "--smtp-from",
                "a@example.com", "--smtp-security", "starttls", "--smtp-username", "alice", "--smtp-password-file",
                empty.toString()));
        assertEquals("alerts: --smtp-password-file needs --smtp-username", refusal("--smtp-host", "mail",
                "--smtp-from", "a@example.com", "--smtp-security", "tls", "--smtp-password-file", password.toString()));
        assertEquals("alerts: --mqtt-password-file needs --mqtt-username (without it the service would connect"
                + " anonymously)", refusal("--mqtt-password-file", password.toString()));
    }

    @Test
    void httpsNeedsACertificateWithItsKeyAndAPort() throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens"), "acme=acme-token-0123456789abcdef\n");
        Path notPem = Files.writeString(dir.resolve("cert.pem"), "not a certificate\n");
        assertEquals("alerts: an HTTPS certificate needs its key, and a key its certificate.",
                refusal("--tokens-file", tokens.toString(), "--http-cert-file", notPem.toString()));
        assertEquals("alerts: an HTTPS certificate needs an HTTP port to serve (a token file, or an HTTP port for"
                + " /health alone).", refusal("--http-cert-file", notPem.toString(), "--http-key-file", notPem.toString()));
        // Without a token file, a port asked for serves /health alone, over HTTPS when asked to.
        for (List<String> tokenOption : List.of(List.of("--tokens-file", tokens.toString()),
                List.of("--http-port", "8443"))) {
            List<String> argv = new ArrayList<>(tokenOption);
            argv.addAll(List.of("--http-cert-file", notPem.toString(), "--http-key-file", notPem.toString()));
            String unreadable = refusal(argv.toArray(String[]::new));
            assertTrue(unreadable.startsWith("alerts: --http-cert-file: "), unreadable);
            assertTrue(unreadable.contains(notPem.toString()), unreadable);
        }
    }

    @Test
    void theRetentionOfResolvedStatesIsADuration() {
        assertEquals("alerts: --retain-resolved must be a duration like 500ms, 60s, 2m, 1h or 7d, got 'forever'",
                refusal("--retain-resolved", "forever"));
        assertEquals("alerts: --retain-resolved must be at most 100000d, got '200000000d'",
                refusal("--retain-resolved", "200000000d"), "beyond what any command can count");
        assertEquals("alerts: --retain-resolved must be at most 3650d, got '3651d'", refusal("--retain-resolved", "3651d"));
    }

    @Test
    void backoffsAndTheGroupAreRefusedNamingTheirOptionsBeforeAnythingConnects() {
        assertEquals("alerts: --max-backoff must not be shorter than --initial-backoff, got '10m' and '15m'",
                refusal("--initial-backoff", "15m"));
        assertEquals("alerts: --max-backoff must not be shorter than --initial-backoff, got '1s' and '2s'",
                refusal("--max-backoff", "1s"));
        assertEquals("alerts: --initial-backoff must be at most 100000d, got '200000000d'",
                refusal("--initial-backoff", "200000000d"), "beyond what any command can count");
        assertEquals("alerts: --initial-backoff must be at most 30d, got '31d'", refusal("--initial-backoff", "31d"));
        assertEquals("alerts: --max-backoff must be at most 30d, got '31d'", refusal("--max-backoff", "31d"));
        assertEquals("alerts: --group 'Ops/Alerts' must match [a-z0-9][a-z0-9_-]{0,63}.",
                refusal("--group", "Ops/Alerts"));
    }

    @Test
    void aBrokerUriWithAPasswordIsRefusedWithoutShowingIt() {
        List<String> argv = List.of("--broker", "tcp://alerts:s3cret@127.0.0.1:1", "--jdbc-url",
                "jdbc:postgresql://127.0.0.1:1/none");
        PrintStream sink = new PrintStream(new ByteArrayOutputStream());
        String refusal = assertThrows(UsageException.class, () -> AlertsCommand.run(argv, sink, sink)).getMessage();
        assertTrue(refusal.startsWith("alerts: mqttUri 'tcp://***@127.0.0.1:1' must not carry user-info"), refusal);
        assertTrue(refusal.contains("--mqtt-username and --mqtt-password-file"), refusal);
        assertTrue(!refusal.contains("s3cret"), refusal);
    }

    /**
     * Services in containers all run as process 1: were their client ids made of the group and the
     * process id alone, each one's connection would end the other's (the broker keeps the latest
     * connection of a client id), and both would reconnect and take it back for good.
     */
    @Test
    void twoServicesOfOneGroupWithTheSameProcessIdConnectWithClientIdsOfTheirOwn() {
        String first = AlertsCommand.clientId("werkstrom-alerts");
        String second = AlertsCommand.clientId("werkstrom-alerts");
        assertNotEquals(first, second);
        String prefix = "werkstrom-alerts-" + ProcessHandle.current().pid() + "-";
        assertTrue(first.startsWith(prefix) && second.startsWith(prefix), first + " " + second);
    }

    @Test
    void mailOptionsWithoutAHostOrWithAnUnknownSecurityAreRefused() {
        assertEquals("alerts: --smtp-security needs --smtp-host", refusal("--smtp-security", "starttls"));
        assertEquals("alerts: smtp security must be none, starttls or tls, got 'ssl'.", refusal("--smtp-host", "mail",
                "--smtp-from", "a@example.com", "--smtp-security", "ssl"));
        assertEquals("alerts: smtp CA file not found or not readable: " + dir.resolve("absent.pem"), refusal(
                "--smtp-host", "mail", "--smtp-from", "a@example.com", "--smtp-security", "starttls", "--smtp-ca-file",
                dir.resolve("absent.pem").toString()));
    }
}

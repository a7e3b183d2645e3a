package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.werkstrom.jobs.alert.notify.DeliveryException;
import io.werkstrom.jobs.alert.notify.SmtpClient;
import io.werkstrom.jobs.alert.notify.SmtpOptions;
import io.werkstrom.jobs.alert.notify.SmtpOptions.Security;
import io.werkstrom.testing.TestPki;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Alert e-mail through a real SMTP server (aiosmtpd) as mail providers run them: STARTTLS on the
 * submission port, implicit TLS, a login; and every way that can go wrong.
 */
class EmailDeliveryIT {

    private static final String USER = "werkstrom-alerts";
    private static final String PASSWORD = "s3cret-mail-password";
    private static final String FROM = "alerts@werkstrom.example";
    private static final String TO = "ops@acme.example";

    private static TestPki pki;
    private static TestPki otherPki;

    @BeforeAll
    static void createPki() {
        pki = TestPki.create();
        otherPki = TestPki.create();
    }

    @AfterAll
    static void removePki() {
        if (pki != null) {
            pki.close();
        }
        if (otherPki != null) {
            otherPki.close();
        }
    }

    private static SmtpClient client(int port, Security security, String user, String password, Path caFile) {
        return new SmtpClient(new SmtpOptions("127.0.0.1", port, FROM, security, user,
                password == null ? null : password.toCharArray(), caFile, Duration.ofSeconds(10)), "test");
    }

    @Test
    void starttlsAndALoginDeliverTheMessageEncrypted() throws Exception {
        try (SmtpServer server = SmtpServer.start(SmtpServer.Mode.STARTTLS, pki, USER, PASSWORD)) {
            client(server.port(), Security.STARTTLS, USER, PASSWORD, pki.caCertificate())
                    .send(TO, "[werkstrom acme] Überhitzung", "line one\n.line with a leading dot\n");
            List<SmtpServer.Mail> mails = server.mails();
            assertEquals(1, mails.size());
            SmtpServer.Mail mail = mails.get(0);
            assertTrue(mail.tls(), "encrypted before MAIL FROM");
            assertEquals(USER, mail.user());
            assertEquals(FROM, mail.from());
            assertEquals(List.of(TO), mail.to());
            assertEquals("=?UTF-8?B?W3dlcmtzdHJvbSBhY21lXSDDnGJlcmhpdHp1bmc=?=", mail.header("Subject"));
            assertTrue(mail.data().contains("\r\n\r\nline one\r\n.line with a leading dot\r\n"), mail.data());
        }
    }

    @Test
    void aLineLongerThanSmtpAllowsAndTextBeyondAsciiArriveAsTheyWere() throws Exception {
        // SMTP lines end at 998 characters (RFC 5321); an alert's JSON line may be longer.
        String json = "{\"message\":\"" + "x".repeat(1500) + " = Überhitzung \"}";
        String body = "Überhitzung\n\n" + json + "\n.a leading dot, a trailing space \n";
        try (SmtpServer server = SmtpServer.start(SmtpServer.Mode.PLAIN, pki, USER, PASSWORD)) {
            client(server.port(), Security.NONE, null, null, null).send(TO, "subject", body);
            SmtpServer.Mail mail = server.mails().get(0);
            for (String line : mail.data().split("\r\n")) {
                assertTrue(line.length() <= 76 && line.chars().allMatch(c -> c < 128), line);
            }
            // every line ends with CRLF, the empty one after the body's last line break too
            assertEquals(body.replace("\n", "\r\n") + "\r\n", mail.body());
        }
    }

    @Test
    void implicitTlsAndALoginDeliverTheMessageEncrypted() throws Exception {
        try (SmtpServer server = SmtpServer.start(SmtpServer.Mode.TLS, pki, USER, PASSWORD)) {
            client(server.port(), Security.TLS, USER, PASSWORD, pki.caCertificate()).send(TO, "subject", "body");
            List<SmtpServer.Mail> mails = server.mails();
            assertEquals(1, mails.size());
            assertTrue(mails.get(0).tls());
            assertEquals(USER, mails.get(0).user());
        }
    }

    @Test
    void aPlainRelayOnATrustedNetworkStillWorks() throws Exception {
        try (SmtpServer server = SmtpServer.start(SmtpServer.Mode.PLAIN, pki, USER, PASSWORD)) {
            client(server.port(), Security.NONE, null, null, null).send(TO, "subject", "body");
            List<SmtpServer.Mail> mails = server.mails();
            assertEquals(1, mails.size());
            assertFalse(mails.get(0).tls());
            assertEquals("-", mails.get(0).user());
        }
    }

    @Test
    void aWrongPasswordFailsForGoodAndTheMessageNamesTheServersAnswerNotThePassword() throws Exception {
        try (SmtpServer server = SmtpServer.start(SmtpServer.Mode.STARTTLS, pki, USER, PASSWORD)) {
            DeliveryException refused = assertThrows(DeliveryException.class,
                    () -> client(server.port(), Security.STARTTLS, USER, "wrong-password", pki.caCertificate())
                            .send(TO, "subject", "body"));
            assertTrue(refused.permanent(), "a 5xx answer");
            assertTrue(refused.getMessage().startsWith("SMTP AUTH PLAIN answered: 535"), refused.getMessage());
            assertFalse(refused.getMessage().contains("wrong-password"), refused.getMessage());
            assertEquals(List.of(), server.mails());
        }
    }

    @Test
    void aServerWithoutStarttlsIsRefusedBeforeTheMessageOrPasswordIsSent() throws Exception {
        try (SmtpServer server = SmtpServer.start(SmtpServer.Mode.PLAIN, pki, USER, PASSWORD)) {
            DeliveryException refused = assertThrows(DeliveryException.class,
                    () -> client(server.port(), Security.STARTTLS, USER, PASSWORD, pki.caCertificate())
                            .send(TO, "subject", "body"));
            assertTrue(refused.permanent(), "retrying cannot mend a server without STARTTLS");
            assertTrue(refused.getMessage().startsWith("the SMTP server 127.0.0.1:" + server.port()
                    + " does not offer STARTTLS, which smtp security starttls requires"), refused.getMessage());
            assertEquals(List.of(), server.mails());
        }
    }

    @Test
    void aServerCertificateFromAnotherCaIsRefusedAndTheMessageNamesTheCaFile() throws Exception {
        try (SmtpServer server = SmtpServer.start(SmtpServer.Mode.STARTTLS, pki, USER, PASSWORD)) {
            DeliveryException untrusted = assertThrows(DeliveryException.class,
                    () -> client(server.port(), Security.STARTTLS, USER, PASSWORD, otherPki.caCertificate())
                            .send(TO, "subject", "body"));
            assertFalse(untrusted.permanent(), "the certificate or the CA file may be fixed while retries go on");
            assertTrue(untrusted.getMessage().startsWith("TLS with the SMTP server 127.0.0.1:" + server.port()
                    + " failed: "), untrusted.getMessage());
            assertTrue(untrusted.getMessage().endsWith("(its certificate must chain to " + otherPki.caCertificate()
                    + " and name 127.0.0.1)"), untrusted.getMessage());
            assertEquals(List.of(), server.mails());
        }
    }

    @Test
    void withoutACaFileThePrivateCaIsNotTrusted() throws Exception {
        try (SmtpServer server = SmtpServer.start(SmtpServer.Mode.TLS, pki, USER, PASSWORD)) {
            DeliveryException untrusted = assertThrows(DeliveryException.class,
                    () -> client(server.port(), Security.TLS, USER, PASSWORD, null).send(TO, "subject", "body"));
            assertTrue(untrusted.getMessage().endsWith("(its certificate must chain to the JVM's trust store and name"
                    + " 127.0.0.1; a private CA goes in the smtp CA file)"), untrusted.getMessage());
            assertEquals(List.of(), server.mails());
        }
    }
}

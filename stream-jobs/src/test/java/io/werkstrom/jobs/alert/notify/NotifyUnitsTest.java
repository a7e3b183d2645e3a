package io.werkstrom.jobs.alert.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.UUID;

import io.werkstrom.jobs.alert.AlertStore.Delivery;
import io.werkstrom.jobs.alert.WebhookReceiver;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NotifyUnitsTest {

    @Test
    void backoffDoublesUpToItsCap() {
        NotifierOptions options = new NotifierOptions(5, Duration.ofSeconds(2), Duration.ofSeconds(30),
                Duration.ofSeconds(1), 10, Duration.ofMinutes(1), Duration.ofSeconds(5), Duration.ZERO);
        assertEquals(Duration.ofSeconds(2), options.backoff(1));
        assertEquals(Duration.ofSeconds(4), options.backoff(2));
        assertEquals(Duration.ofSeconds(16), options.backoff(4));
        assertEquals(Duration.ofSeconds(30), options.backoff(5));
        assertEquals(Duration.ofSeconds(30), options.backoff(500));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new NotifierOptions(0,
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), 1, Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ZERO));
        assertTrue(e.getMessage().startsWith("maxAttempts"), e.getMessage());
    }

    @Test
    void aWaitThatIsNotPositiveABackoffCapBelowTheFirstWaitOrPast30DaysAndABatchOfNoneAreRefusedByName() {
        Duration s = Duration.ofSeconds(1);
        Duration lease = Duration.ofMinutes(1);
        assertOptionsRefused("initialBackoff must be positive, got PT0S", () -> new NotifierOptions(3, Duration.ZERO,
                s, s, 1, lease, s, Duration.ZERO));
        assertOptionsRefused("maxBackoff must be positive, got null", () -> new NotifierOptions(3, s, null, s, 1,
                lease, s, Duration.ZERO));
        assertOptionsRefused("pollInterval must be positive, got PT-1S", () -> new NotifierOptions(3, s, s,
                s.negated(), 1, lease, s, Duration.ZERO));
        assertOptionsRefused("lease must be positive", () -> new NotifierOptions(3, s, s, s, 1, Duration.ZERO, s,
                Duration.ZERO));
        assertOptionsRefused("timeout must be positive", () -> new NotifierOptions(3, s, s, s, 1, lease,
                Duration.ZERO, Duration.ZERO));
        assertOptionsRefused("maxBackoff must not be shorter than initialBackoff", () -> new NotifierOptions(3,
                Duration.ofSeconds(2), s, s, 1, lease, s, Duration.ZERO));
        assertEquals(Duration.ofDays(30), new NotifierOptions(3, s, Duration.ofDays(30), s, 1, lease, s,
                Duration.ZERO).backoff(40));
        assertOptionsRefused("maxBackoff must be at most 30 days", () -> new NotifierOptions(3, s,
                Duration.ofDays(30).plusMillis(1), s, 1, lease, s, Duration.ZERO));
        assertOptionsRefused("batchSize must be at least 1, got 0", () -> new NotifierOptions(3, s, s, s, 0, lease, s,
                Duration.ZERO));
    }

    private static void assertOptionsRefused(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }

    @Test
    void theLeaseMustOutlastTwoTimeoutsAndTheDefaultsRetryForAboutAnHour() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new NotifierOptions(3,
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), 10, Duration.ofSeconds(20),
                Duration.ofSeconds(10), Duration.ZERO));
        assertEquals("lease (PT20S) must be longer than twice timeout (PT10S): a notification is only sent while"
                + " that much of its claim is left.", e.getMessage());
        NotifierOptions defaults = NotifierOptions.defaults();
        Duration waits = Duration.ZERO;
        for (int attempt = 1; attempt < defaults.maxAttempts(); attempt++) {
            waits = waits.plus(defaults.backoff(attempt));
        }
        assertTrue(waits.compareTo(Duration.ofMinutes(50)) > 0 && waits.compareTo(Duration.ofMinutes(70)) < 0,
                "retried for " + waits);
        assertEquals(defaults.maxBackoff(), defaults.backoff(defaults.maxAttempts() - 1), "the cap is reached");
    }

    @Test
    void aResolvedStateIsKeptADayByDefaultAndANegativeRetentionIsRefused() {
        assertEquals(Duration.ofHours(24), NotifierOptions.defaults().retainResolved());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new NotifierOptions(3,
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), 10, Duration.ofMinutes(1),
                Duration.ofSeconds(10), Duration.ofSeconds(-1)));
        assertEquals("retainResolved must not be negative, got PT-1S.", e.getMessage());
    }

    @Test
    void aResolvedStateIsClearedAfterTenYearsAtMost() {
        assertEquals(Duration.ofDays(3650), new NotifierOptions(3, Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(1), 10, Duration.ofMinutes(1), Duration.ofSeconds(10), Duration.ofDays(3650))
                .retainResolved());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new NotifierOptions(3,
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), 10, Duration.ofMinutes(1),
                Duration.ofSeconds(10), Duration.ofDays(200_000_000)));
        assertEquals("retainResolved must be at most 3650 days, got PT4800000000H.", e.getMessage());
    }

    @Test
    void aWebhookTargetIsShownByItsOriginOnlyForItsPathMayHoldASecret() {
        assertEquals("https://hooks.slack.com", WebhookChannel.origin("https://hooks.slack.com/services/T0/B0/s3cret"));
        assertEquals("http://10.0.0.7:8080", WebhookChannel.origin("http://10.0.0.7:8080/hook?token=s3cret"));
        assertEquals("(not a URL with a host)", WebhookChannel.origin("http:///typo"));
        assertEquals("(not a URL)", WebhookChannel.origin("http://exa mple/"));
    }

    @Test
    void aWebhookUrlThatIsNoUriFailsForGoodAndNeitherItsErrorNorItsCauseShowsItsPath() {
        WebhookChannel channel = new WebhookChannel(new Secrets(Map.of("HOOK", "s3cret")), Duration.ofSeconds(1));
        // A space pasted after the URL, a template left unfilled: what the log prints of the failure (its
        // message and every cause's) must not show the path, which holds the secret.
        Map<String, String> targets = Map.of(
                "https://hooks.example.com/services/T0/B0/S3CRET ", "Illegal character in path at index 47",
                "https://hooks.example.com/services/{S3CRET}", "Illegal character in path at index 35");
        for (Map.Entry<String, String> target : targets.entrySet()) {
            Delivery delivery = new Delivery(1, "acme", UUID.randomUUID(), "webhook", target.getKey(), "{}", 0,
                    "env:HOOK", null);
            DeliveryException e = assertThrows(DeliveryException.class, () -> channel.send(delivery));
            assertTrue(e.permanent());
            java.io.StringWriter logged = new java.io.StringWriter();
            e.printStackTrace(new java.io.PrintWriter(logged));
            assertFalse(logged.toString().contains("S3CRET"), logged.toString());
            assertEquals("webhook target (not a URL) is not a URI: " + target.getValue(), e.getMessage());
        }
    }

    /** A URL's scheme is case-insensitive (RFC 3986): {@code HTTP://} is as good a webhook as {@code http://}. */
    @Test
    void aWebhookUrlWithItsSchemeInCapitalsIsDelivered() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            WebhookChannel channel = new WebhookChannel(new Secrets(Map.of("HOOK", "s3cret")), Duration.ofSeconds(10));
            String target = receiver.url("/acme").replace("http://", "HTTP://");
            channel.send(new Delivery(1, "acme", UUID.randomUUID(), "webhook", target, "{}", 0, "env:HOOK", null));
            assertEquals(List.of("/acme"), receiver.requests().stream().map(WebhookReceiver.Request::path).toList());
        }
    }

    @Test
    void aWebhookAnswering300Or404FailsForGoodAnd408Or429IsRetriedAndAnFtpTargetIsRefused() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            receiver.script(300, 404, 408, 429);
            WebhookChannel channel = new WebhookChannel(new Secrets(Map.of("HOOK", "s3cret")), Duration.ofSeconds(10));
            for (int status : new int[] {300, 404, 408, 429}) {
                DeliveryException e = assertThrows(DeliveryException.class, () -> channel.send(new Delivery(1, "acme",
                        UUID.randomUUID(), "webhook", receiver.url("/acme"), "{}", 0, "env:HOOK", null)));
                assertEquals("POST " + WebhookChannel.origin(receiver.url("/acme")) + " answered " + status,
                        e.getMessage());
                assertEquals(status < 400 || status == 404, e.permanent(), "permanent after " + status);
            }
            DeliveryException ftp = assertThrows(DeliveryException.class, () -> channel.send(new Delivery(1, "acme",
                    UUID.randomUUID(), "webhook", "ftp://example.com/hook", "{}", 0, "env:HOOK", null)));
            assertEquals("webhook target ftp://example.com must be http or https", ftp.getMessage());
            assertTrue(ftp.permanent());
        }
    }

    @Test
    void signaturesVerifyOnlyTheSignedBodyWithTheSameSecret() {
        byte[] secret = "s3cret-s3cret".getBytes(StandardCharsets.UTF_8);
        byte[] body = "{\"id\":1}".getBytes(StandardCharsets.UTF_8);
        String signature = Signatures.sign(secret, body);
        assertTrue(signature.matches("sha256=[0-9a-f]{64}"), signature);
        assertTrue(Signatures.verify(secret, body, signature));
        assertFalse(Signatures.verify(secret, "{\"id\":2}".getBytes(StandardCharsets.UTF_8), signature));
        assertFalse(Signatures.verify("other".getBytes(StandardCharsets.UTF_8), body, signature));
        assertFalse(Signatures.verify(secret, body, null));
    }

    /**
     * The timestamped signature binds the body to the time of its attempt: a request sent again
     * later (a replay) fails a receiver's check of the time, and a time rewritten to pass it fails
     * the signature.
     */
    @Test
    void timestampedSignaturesVerifyOnlyTheSignedBodyAtTheSignedTimeWithinTheTolerance() {
        byte[] secret = "s3cret-s3cret".getBytes(StandardCharsets.UTF_8);
        byte[] body = "{\"id\":1}".getBytes(StandardCharsets.UTF_8);
        java.time.Instant sent = java.time.Instant.parse("2026-03-01T12:00:00.750Z");
        Duration fiveMinutes = Duration.ofMinutes(5);
        String header = Signatures.signTimestamped(secret, body, sent);
        assertTrue(header.matches("t=1772366400,sha256=[0-9a-f]{64}"), header);
        assertTrue(Signatures.verifyTimestamped(secret, body, header, sent.plusSeconds(300), fiveMinutes));
        assertTrue(Signatures.verifyTimestamped(secret, body, header, sent.minusSeconds(300), fiveMinutes),
                "a receiver's clock a little behind");
        assertFalse(Signatures.verifyTimestamped(secret, body, header, sent.plusSeconds(301), fiveMinutes),
                "replayed later");
        assertFalse(Signatures.verifyTimestamped(secret, body, header, sent.minusSeconds(301), fiveMinutes));
        String retimed = header.replace("t=1772366400", "t=1772366700");
        assertFalse(Signatures.verifyTimestamped(secret, body, retimed, sent.plusSeconds(301), fiveMinutes),
                "a time rewritten to pass the check");
        assertFalse(Signatures.verifyTimestamped(secret, "{\"id\":2}".getBytes(StandardCharsets.UTF_8), header, sent,
                fiveMinutes));
        assertFalse(Signatures.verifyTimestamped("other".getBytes(StandardCharsets.UTF_8), body, header, sent,
                fiveMinutes));
        assertFalse(Signatures.verifyTimestamped(secret, body, Signatures.sign(secret, body), sent, fiveMinutes),
                "the body's signature alone");
        assertFalse(Signatures.verifyTimestamped(secret, body, null, sent, fiveMinutes));
    }

    @Test
    void aWebhookCarriesBothSignaturesAndItsDeliveryId() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            WebhookChannel channel = new WebhookChannel(new Secrets(Map.of("HOOK", "s3cret")), Duration.ofSeconds(10));
            channel.send(new Delivery(7, "acme", UUID.randomUUID(), "webhook", receiver.url("/acme"), "{\"id\":7}", 0,
                    "env:HOOK", null));
            WebhookReceiver.Request request = receiver.requests().get(0);
            byte[] secret = "s3cret".getBytes(StandardCharsets.UTF_8);
            assertTrue(Signatures.verify(secret, request.body(), request.header(Signatures.HEADER)));
            assertTrue(Signatures.verifyTimestamped(secret, request.body(), request.header(Signatures.TIMESTAMPED_HEADER),
                    java.time.Instant.now(), Duration.ofMinutes(5)), request.header(Signatures.TIMESTAMPED_HEADER));
            assertEquals("7", request.header(WebhookChannel.DELIVERY_HEADER));
        }
    }

    @Test
    void secretsComeFromTheEnvironmentOrAFileAndNeverFromNowhere(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("hook.secret");
        Files.writeString(file, "from-file\nignored\n");
        Secrets secrets = new Secrets(Map.of("HOOK", "from-env"));
        assertEquals("from-env", new String(secrets.resolve("env:HOOK"), StandardCharsets.UTF_8));
        assertEquals("from-file", new String(secrets.resolve("file:" + file), StandardCharsets.UTF_8));
        for (String bad : new String[] {"env:MISSING", "file:" + dir.resolve("missing"), "plain-secret"}) {
            DeliveryException e = assertThrows(DeliveryException.class, () -> secrets.resolve(bad));
            assertTrue(e.permanent());
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }

    @Test
    void aSecretFileWithoutNewlineIsReadWholeAndAnEmptySecretOrNoReferenceIsRefusedForGood(@TempDir Path dir)
            throws Exception {
        Path whole = dir.resolve("whole.secret");
        Files.writeString(whole, "no-newline");
        Path blankFirstLine = dir.resolve("blank.secret");
        Files.writeString(blankFirstLine, "\nsecond-line\n");
        Secrets secrets = new Secrets(Map.of("EMPTY", ""));
        assertEquals("no-newline", new String(secrets.resolve("file:" + whole), StandardCharsets.UTF_8));
        for (String bad : new String[] {"env:EMPTY", "file:" + blankFirstLine}) {
            DeliveryException e = assertThrows(DeliveryException.class, () -> secrets.resolve(bad));
            assertTrue(e.permanent());
            assertTrue(e.getMessage().contains(bad + "' names an empty secret"), e.getMessage());
        }
        DeliveryException none = assertThrows(DeliveryException.class, () -> secrets.resolve(null));
        assertTrue(none.permanent());
        assertEquals("the subscription has no secret_ref", none.getMessage());
    }

    @Test
    void smtpOptionsRefuseABlankHostAPortOutside1To65535ABlankUsernameAndATimeoutOfZeroByName() {
        Duration timeout = Duration.ofSeconds(1);
        assertEquals(1, SmtpOptions.relay("mail", 1, "a@example.com", timeout).port());
        assertEquals(65535, SmtpOptions.relay("mail", 65535, "a@example.com", timeout).port());
        assertOptionsRefused("smtp port must be between 1 and 65535, got 0",
                () -> SmtpOptions.relay("mail", 0, "a@example.com", timeout));
        assertOptionsRefused("smtp port must be between 1 and 65535, got 65536",
                () -> SmtpOptions.relay("mail", 65536, "a@example.com", timeout));
        assertOptionsRefused("smtp host must not be empty", () -> SmtpOptions.relay(" ", 25, "a@example.com", timeout));
        assertOptionsRefused("smtp host must not be empty", () -> SmtpOptions.relay(null, 25, "a@example.com", timeout));
        assertOptionsRefused("smtp username must not be blank", () -> new SmtpOptions("mail", 587, "a@example.com",
                SmtpOptions.Security.STARTTLS, " ", "pw".toCharArray(), null, timeout));
        assertOptionsRefused("smtp timeout must be positive, got PT0S",
                () -> SmtpOptions.relay("mail", 25, "a@example.com", Duration.ZERO));
    }

    @Test
    void smtpClientRefusesAddressesThatCouldInjectCommands() {
        SmtpClient client = new SmtpClient(SmtpOptions.relay("localhost", 25, "alerts@example.com",
                Duration.ofSeconds(1)), "test");
        DeliveryException e = assertThrows(DeliveryException.class,
                () -> client.send("a@example.com>\r\nRCPT TO:<b@example.com", "s", "b"));
        assertTrue(e.permanent());
        assertThrows(IllegalArgumentException.class,
                () -> SmtpOptions.relay("localhost", 25, "not an address", Duration.ofSeconds(1)));
    }

    @Test
    void smtpOptionsNeverSendAPasswordInPlainTextAndNeverShowIt() {
        Duration timeout = Duration.ofSeconds(1);
        IllegalArgumentException plain = assertThrows(IllegalArgumentException.class, () -> new SmtpOptions("mail", 25,
                "a@example.com", SmtpOptions.Security.NONE, "alice", "pw".toCharArray(), null, timeout));
        assertEquals("smtp username needs smtp security starttls or tls: a password is never sent in plain text.",
                plain.getMessage());
        IllegalArgumentException noPassword = assertThrows(IllegalArgumentException.class, () -> new SmtpOptions(
                "mail", 587, "a@example.com", SmtpOptions.Security.STARTTLS, "alice", new char[0], null, timeout));
        assertEquals("smtp username alice needs a password.", noPassword.getMessage());
        IllegalArgumentException noUser = assertThrows(IllegalArgumentException.class, () -> new SmtpOptions("mail",
                587, "a@example.com", SmtpOptions.Security.STARTTLS, null, "pw".toCharArray(), null, timeout));
        assertEquals("an smtp password needs an smtp username.", noUser.getMessage());
        IllegalArgumentException caWithoutTls = assertThrows(IllegalArgumentException.class, () -> new SmtpOptions(
                "mail", 25, "a@example.com", SmtpOptions.Security.NONE, null, null, Path.of("ca.pem"),
                timeout));
        assertEquals("an smtp CA file needs smtp security starttls or tls.", caWithoutTls.getMessage());
        assertEquals("smtp security must be none, starttls or tls, got 'ssl'.",
                assertThrows(IllegalArgumentException.class, () -> SmtpOptions.Security.parse("ssl")).getMessage());

        char[] secret = "pw-123".toCharArray();
        SmtpOptions options = new SmtpOptions("mail", 587, "a@example.com", SmtpOptions.Security.STARTTLS, "alice",
                secret, null, timeout);
        secret[0] = 'X';
        assertEquals("pw-123", new String(options.password()), "copied, not shared");
        assertFalse(options.toString().contains("pw-123"), options.toString());
        assertTrue(options.toString().contains("password=***"), options.toString());
    }

    @Test
    void aClaimGoesInTurnsByTenantEachStateWithItsTenantsNextNotification() {
        List<Delivery> claimed = List.of(delivery(1, "acme", "mqtt"), delivery(2, "acme", "webhook"),
                delivery(3, "acme", "email"), delivery(4, "globex", "mqtt"), delivery(5, "globex", "mqtt"),
                delivery(6, "initech", "webhook"), delivery(7, "acme", "mqtt"));

        assertEquals(List.of(1L, 2L, 4L, 5L, 6L, 3L, 7L),
                Notifier.inTurns(claimed, Set.of()).stream().map(Delivery::id).toList(),
                "acme's state with its webhook, globex's states alone, initech's webhook; then acme's mail, its last"
                        + " state after it");
        assertEquals(List.of(4L, 5L, 6L, 1L, 2L, 3L, 7L),
                Notifier.inTurns(claimed, Set.of("acme", "umbrella")).stream().map(Delivery::id).toList(),
                "acme, slow in the last round, takes its turns after globex's and initech's");
    }

    private static Delivery delivery(long id, String tenant, String channel) {
        return new Delivery(id, tenant, UUID.randomUUID(), channel, "target-" + id, "{}", 0, null, null);
    }
}

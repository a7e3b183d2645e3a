package io.werkstrom.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away public key infrastructure for TLS tests, made with the {@code openssl} command: a
 * certificate authority, a server certificate for {@code localhost} / {@code 127.0.0.1} and a client
 * certificate, all PEM, keys unencrypted PKCS#8 (P-256 EC keys, quick to make). Further client
 * certificates can be issued by common name, e.g. for brokers that take the certificate's common
 * name as the user name.
 *
 * <p>Fails (never skips) when {@code openssl} is missing. Owned by the test that creates it;
 * {@link #close()} deletes the files.
 */
public final class TestPki implements AutoCloseable {

    /** A certificate and its private key, PEM files. */
    public record Credential(Path certificate, Path privateKey) {
    }

    public static final String CA_NAME = "werkstrom-test-ca";
    public static final String CLIENT_NAME = "werkstrom-test-client";

    private final Path dir;
    private final Credential ca;
    private final Credential server;
    private final Credential client;

    private TestPki(Path dir) {
        this.dir = dir;
        this.ca = selfSigned("ca", CA_NAME);
        this.server = issue("server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        this.client = issue("client", CLIENT_NAME, "extendedKeyUsage=clientAuth\n");
    }

    /** Creates a CA with a server and a client certificate in a new temporary directory. */
    public static TestPki create() {
        try {
            return new TestPki(Files.createTempDirectory("werkstrom-pki"));
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a directory for the test PKI", e);
        }
    }

    public Path directory() {
        return dir;
    }

    /** The CA certificate, the trust anchor for both sides. */
    public Path caCertificate() {
        return ca.certificate();
    }

    /** The CA's certificate and key. */
    public Credential ca() {
        return ca;
    }

    /** The broker's certificate: CN localhost, SAN DNS:localhost and IP:127.0.0.1. */
    public Credential server() {
        return server;
    }

    /** A client certificate with CN {@value #CLIENT_NAME}. */
    public Credential client() {
        return client;
    }

    /** Issues another client certificate signed by this CA, with the given common name. */
    public Credential issueClient(String commonName) {
        String file = "client-" + commonName.replaceAll("[^A-Za-z0-9._-]", "_");
        return issue(file, commonName, "extendedKeyUsage=clientAuth\n");
    }

    @Override
    public void close() {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temp directory is harmless
        }
    }

    private Credential selfSigned(String name, String commonName) {
        Path key = dir.resolve(name + ".key");
        Path cert = dir.resolve(name + ".crt");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", subject(commonName),
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return new Credential(cert, key);
    }

    private Credential issue(String name, String commonName, String extensions) {
        Path key = dir.resolve(name + ".key");
        Path csr = dir.resolve(name + ".csr");
        Path cert = dir.resolve(name + ".crt");
        Path ext = dir.resolve(name + ".ext");
        try {
            Files.writeString(ext, "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\n" + extensions);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + ext, e);
        }
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key.toString(), "-out", csr.toString(), "-subj", subject(commonName));
        openssl("x509", "-req", "-in", csr.toString(), "-CA", ca.certificate().toString(), "-CAkey",
                ca.privateKey().toString(), "-CAcreateserial", "-out", cert.toString(), "-days", "2", "-sha256",
                "-extfile", ext.toString());
        return new Credential(cert, key);
    }

    /** openssl's -subj form; a common name may hold '/' or '+' (e.g. tenant/gateway), escaped here. */
    private static String subject(String commonName) {
        return "/CN=" + commonName.replace("\\", "\\\\").replace("/", "\\/").replace("+", "\\+");
    }

    private void openssl(String... args) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not run openssl (is it installed?): " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running openssl", e);
        }
    }
}

package io.werkstrom.gateway.publish;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import javax.net.ssl.SSLContext;

import io.werkstrom.protocol.tls.PemSslContexts;
import io.werkstrom.protocol.tls.PemSslContexts.Pem;

/**
 * TLS settings of an {@link MqttPublisher}, PEM files. Immutable.
 *
 * <ul>
 *   <li>{@code caFile} (required): the certificate(s) the broker's certificate must chain to; the
 *       JVM's default trust store is not used;</li>
 *   <li>{@code certFile} / {@code keyFile} (optional, both or neither): the client certificate
 *       (chain) and its unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY}), for brokers
 *       that require one.</li>
 * </ul>
 * The broker's host name is checked against its certificate. The publisher reads the files when it
 * is created and again before every connection attempt, so that renewed files are taken up without
 * a restart.
 */
public record TlsOptions(Path caFile, Path certFile, Path keyFile) {

    public TlsOptions {
        Objects.requireNonNull(caFile, "caFile must be set.");
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("certFile and keyFile must be set together, got certFile=" + certFile
                    + ", keyFile=" + keyFile + ".");
        }
    }

    /** Trusts the CAs in {@code caFile}, without a client certificate. */
    public static TlsOptions trusting(Path caFile) {
        return new TlsOptions(caFile, null, null);
    }

    /** Trusts the CAs in {@code caFile} and presents the client certificate in {@code certFile}. */
    public static TlsOptions withClientCertificate(Path caFile, Path certFile, Path keyFile) {
        return new TlsOptions(caFile, Objects.requireNonNull(certFile, "certFile must be set."),
                Objects.requireNonNull(keyFile, "keyFile must be set."));
    }

    public Optional<Path> clientCertificate() {
        return Optional.ofNullable(certFile);
    }

    public Optional<Path> clientKey() {
        return Optional.ofNullable(keyFile);
    }

    /** The TLS context these files describe; messages name the key of a file that cannot be used. */
    SSLContext sslContext() {
        return PemSslContexts.create(Pem.read("tls.caFile", caFile),
                certFile == null ? null : Pem.read("tls.certFile", certFile),
                keyFile == null ? null : Pem.read("tls.keyFile", keyFile));
    }

    /**
     * Why the certificates in these files cannot pass a TLS handshake at {@code now}, or empty: the
     * client certificate (the first in {@code certFile}) or a CA certificate outside its validity
     * period. Files that cannot be read or parsed say nothing here (reading them fails on its own).
     */
    Optional<String> validityProblem(Instant now) {
        if (certFile != null) {
            List<X509Certificate> chain = certificates(certFile);
            if (!chain.isEmpty()) {
                Optional<String> problem = validity(chain.get(0), now, "the client certificate in tls.certFile ("
                        + certFile + ")", "put a renewed certificate and its key in place of tls.certFile and "
                        + "tls.keyFile (the next attempt reads them)");
                if (problem.isPresent()) {
                    return problem;
                }
            }
        }
        for (X509Certificate ca : certificates(caFile)) {
            Optional<String> problem = validity(ca, now, "the CA certificate " + ca.getSubjectX500Principal().getName()
                    + " in tls.caFile (" + caFile + ")", "put the renewed CA certificate in tls.caFile");
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }

    private static Optional<String> validity(X509Certificate certificate, Instant now, String what, String remedy) {
        Instant notAfter = certificate.getNotAfter().toInstant();
        Instant notBefore = certificate.getNotBefore().toInstant();
        if (now.isAfter(notAfter)) {
            return Optional.of(what + " expired on " + notAfter + "; " + remedy);
        }
        if (now.isBefore(notBefore)) {
            return Optional.of(what + " is not valid before " + notBefore + "; check the gateway's clock");
        }
        return Optional.empty();
    }

    private static List<X509Certificate> certificates(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                if (c instanceof X509Certificate x509) {
                    certificates.add(x509);
                }
            }
            return certificates;
        } catch (IOException | GeneralSecurityException e) {
            return List.of();
        }
    }

    /** Checks that the files exist and are readable; the message names the key. */
    void checkFiles() {
        checkFile("tls.caFile", caFile);
        if (certFile != null) {
            checkFile("tls.certFile", certFile);
            checkFile("tls.keyFile", keyFile);
        }
    }

    private static void checkFile(String key, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(key + ": file not found: " + file);
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(key + ": file not readable: " + file);
        }
    }
}

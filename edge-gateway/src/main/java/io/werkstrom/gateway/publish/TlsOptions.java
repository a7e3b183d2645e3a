package io.werkstrom.gateway.publish;

import java.nio.file.Files;
import java.nio.file.Path;
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

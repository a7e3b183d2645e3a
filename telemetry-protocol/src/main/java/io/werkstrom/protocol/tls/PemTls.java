package io.werkstrom.protocol.tls;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Objects;

import javax.net.ssl.SSLContext;

import io.werkstrom.protocol.tls.PemSslContexts.Pem;

/**
 * TLS for an MQTT client from PEM files, read once where the client is configured: the CA
 * certificate(s) the broker's certificate must chain to (the JVM's trust store is not used) and,
 * for brokers that require one, a client certificate with its unencrypted PKCS#8 key. Serializable,
 * so that it travels inside a Flink job to its TaskManagers, which need not have the files.
 */
public record PemTls(Pem ca, Pem certificate, Pem key) implements Serializable {

    public PemTls {
        Objects.requireNonNull(ca, "ca must not be null.");
        if ((certificate == null) != (key == null)) {
            throw new IllegalArgumentException("a client certificate needs its key, and a key its certificate"
                    + " (certificate " + certificate + ", key " + key + ").");
        }
    }

    /**
     * Reads the files now, checks that they make a TLS context, and keeps their contents; messages name
     * the option of a file that cannot be used ({@code prefix} + {@code ca-file}, {@code cert-file},
     * {@code key-file}). {@code certFile} and {@code keyFile} may both be null.
     */
    public static PemTls read(String prefix, Path caFile, Path certFile, Path keyFile) {
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException(prefix + "cert-file and " + prefix + "key-file go together.");
        }
        PemTls tls = new PemTls(Pem.read(prefix + "ca-file", caFile),
                certFile == null ? null : Pem.read(prefix + "cert-file", certFile),
                keyFile == null ? null : Pem.read(prefix + "key-file", keyFile));
        tls.context();
        return tls;
    }

    /** A TLS context of these files. */
    public SSLContext context() {
        return PemSslContexts.create(ca, certificate, key);
    }
}

package io.werkstrom.protocol.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds an {@link SSLContext} from PEM files with the JDK's own APIs: the gateway's MQTT TLS, the
 * job's and the alert service's MQTT TLS, the alert service's SMTP TLS and its HTTPS endpoint.
 */
public final class PemSslContexts {

    /**
     * The content of a PEM file, the option it was given by and where it came from, which every
     * message about it names. Serializable, so that a file read where a job is submitted travels with
     * the job to where it runs.
     */
    public record Pem(String option, String origin, byte[] content) implements Serializable {
        public Pem {
            if (option == null || origin == null || content == null) {
                throw new IllegalArgumentException("option, origin and content must not be null.");
            }
            content = content.clone();
        }

        /** Reads {@code file}; the message of a file that cannot be read names {@code option}. */
        public static Pem read(String option, Path file) {
            try {
                return new Pem(option, file.toString(), Files.readAllBytes(file));
            } catch (IOException e) {
                throw new IllegalArgumentException(option + ": cannot read " + file + ": " + e, e);
            }
        }

        @Override
        public byte[] content() {
            return content.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Pem pem && option.equals(pem.option) && origin.equals(pem.origin)
                    && Arrays.equals(content, pem.content);
        }

        @Override
        public int hashCode() {
            return Objects.hash(option, origin, Arrays.hashCode(content));
        }

        @Override
        public String toString() {
            return option + "=" + origin;
        }
    }

    private static final char[] NO_PASSWORD = new char[0];

    private PemSslContexts() {
    }

    /**
     * A TLS context that trusts exactly the certificates of {@code ca} and, when {@code certificate}
     * and {@code key} are given (both or neither), presents that client certificate.
     *
     * @throws IllegalArgumentException naming the option whose content cannot be parsed
     */
    public static SSLContext create(Pem ca, Pem certificate, Pem key) {
        if ((certificate == null) != (key == null)) {
            throw new IllegalArgumentException("a client certificate needs its key, and a key its certificate.");
        }
        // The client certificate and key first, so that an error in them names their files, not the CA's.
        KeyManager[] identity = certificate == null ? null : clientKeyManagers(certificate, key);
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            List<X509Certificate> cas = certificates(ca);
            for (int i = 0; i < cas.size(); i++) {
                trust.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);

            SSLContext context = SSLContext.getInstance("TLS");
            context.init(identity, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException(ca.option() + ": could not set up TLS with " + ca.origin() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * A TLS context for a server that presents {@code certificate} (the chain, server first) with
     * {@code key}; it asks clients for no certificate.
     *
     * @throws IllegalArgumentException naming the option whose content cannot be parsed
     */
    public static SSLContext server(Pem certificate, Pem key) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers(certificate, key), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException(certificate.option() + ": could not set up TLS with "
                    + certificate.origin() + " and " + key.origin() + ": " + e.getMessage(), e);
        }
    }

    /** The key managers of a client certificate; a failure names both files. */
    private static KeyManager[] clientKeyManagers(Pem certificate, Pem key) {
        try {
            return keyManagers(certificate, key);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException(certificate.option() + ": could not use " + certificate.origin()
                    + " with its key " + key.origin() + " (" + key.option() + "): " + e.getMessage(), e);
        }
    }

    private static KeyManager[] keyManagers(Pem certificate, Pem key) throws GeneralSecurityException, IOException {
        List<X509Certificate> chain = certificates(certificate);
        PrivateKey privateKey = PrivateKeys.fromPem(key.option() + ": " + key.origin(), key.content());
        requireKeyOf(chain.get(0), privateKey, certificate, key);
        KeyStore identity = KeyStore.getInstance(KeyStore.getDefaultType());
        identity.load(null, null);
        identity.setKeyEntry("identity", privateKey, NO_PASSWORD, chain.toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(identity, NO_PASSWORD);
        return kmf.getKeyManagers();
    }

    /**
     * Refuses a key that is not the certificate's: the JDK would take the pair, and TLS would fail
     * only at each handshake, with an alert that names neither file. An RSA key must have the
     * certificate's modulus; any other key signs a test message that the certificate's key must verify.
     */
    private static void requireKeyOf(X509Certificate certificate, PrivateKey privateKey, Pem certificatePem, Pem keyPem) {
        if (privateKey instanceof RSAKey rsa && certificate.getPublicKey() instanceof RSAKey published) {
            // Compared directly: an RSA key also serves an RSASSA-PSS certificate, whose key a plain RSA
            // signature would not verify with.
            if (!rsa.getModulus().equals(published.getModulus())) {
                throw notTheKeyOf(certificate, certificatePem, keyPem);
            }
            return;
        }
        String algorithm = "EC".equals(privateKey.getAlgorithm()) ? "SHA256withECDSA"
                : privateKey.getAlgorithm(); // Ed25519 names its own signature
        byte[] message = "werkstrom key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(message);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(message);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false; // a key of another algorithm than the certificate's
        }
        if (!matches) {
            throw notTheKeyOf(certificate, certificatePem, keyPem);
        }
    }

    private static IllegalArgumentException notTheKeyOf(X509Certificate certificate, Pem certificatePem, Pem keyPem) {
        return new IllegalArgumentException(keyPem.option() + ": " + keyPem.origin() + " is not the private key of"
                + " the certificate " + certificate.getSubjectX500Principal() + " in " + certificatePem.origin()
                + " (" + certificatePem.option() + ")");
    }

    private static List<X509Certificate> certificates(Pem pem) {
        try {
            Collection<? extends Certificate> read = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.content()));
            List<X509Certificate> certs = new ArrayList<>();
            for (Certificate c : read) {
                certs.add((X509Certificate) c);
            }
            if (certs.isEmpty()) {
                throw new IllegalArgumentException(pem.option() + ": no PEM certificate in " + pem.origin());
            }
            return certs;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(pem.option() + ": not a PEM certificate file: " + pem.origin() + ": "
                    + e.getMessage(), e);
        }
    }
}

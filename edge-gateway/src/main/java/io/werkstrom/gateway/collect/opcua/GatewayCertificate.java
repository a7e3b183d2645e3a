package io.werkstrom.gateway.collect.opcua;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Period;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

import io.werkstrom.protocol.tls.PrivateKeys;

import org.eclipse.milo.opcua.stack.core.util.CertificateUtil;
import org.eclipse.milo.opcua.stack.core.util.DigestUtil;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;

/**
 * The gateway's OPC UA application instance certificate and its private key, kept in the PKI
 * directory's {@code own/} folder: {@value #CERTIFICATE_FILE} (the certificate, DER; the file to hand
 * to the PLC's administrator) and {@value #KEY_FILE} (the PKCS#8 private key, PEM, readable by the
 * owner only where the file system has POSIX permissions).
 *
 * <p>{@link #loadOrCreate} reuses the pair when both files exist, so the PLC's trust in the gateway
 * survives restarts, and otherwise creates a self-signed certificate (RSA 2048, SHA-256, valid 10
 * years) whose URI subject alternative name is the given application URI. An operator may put a
 * certificate signed by the plant's CA into {@code own/} instead; it must carry a URI subject
 * alternative name, which becomes the gateway's application URI.
 *
 * <p>Immutable once loaded; thread-safe.
 */
public final class GatewayCertificate {

    /** The certificate in {@code <pki-dir>/own/}, DER (PEM is read too). */
    public static final String CERTIFICATE_FILE = "gateway.der";
    /** The private key in {@code <pki-dir>/own/}, PKCS#8 PEM (DER is read too). */
    public static final String KEY_FILE = "gateway.key";

    private static final String PEM_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PEM_END = "-----END PRIVATE KEY-----";

    private final Path certificateFile;
    private final X509Certificate certificate;
    private final KeyPair keyPair;
    private final String applicationUri;
    private final boolean created;

    private GatewayCertificate(Path certificateFile, X509Certificate certificate, KeyPair keyPair, String applicationUri,
            boolean created) {
        this.certificateFile = certificateFile;
        this.certificate = certificate;
        this.keyPair = keyPair;
        this.applicationUri = applicationUri;
        this.created = created;
    }

    /**
     * Loads the certificate and key from {@code <pkiDir>/own/}, or creates them there when neither
     * exists.
     *
     * @param applicationUri the URI of a certificate created now; a loaded one keeps its own
     * @throws IOException when only one of the two files exists, a file cannot be read or written,
     *                     or they do not hold a matching RSA certificate and key with a URI
     */
    public static GatewayCertificate loadOrCreate(Path pkiDir, String applicationUri) throws IOException {
        Path own = pkiDir.resolve("own");
        Path certFile = own.resolve(CERTIFICATE_FILE);
        Path keyFile = own.resolve(KEY_FILE);
        boolean haveCert = Files.exists(certFile);
        boolean haveKey = Files.exists(keyFile);
        if (haveCert && haveKey) {
            return load(certFile, keyFile);
        }
        if (haveCert || haveKey) {
            // Never replace half of a pair: the PLC may trust the certificate that goes with the missing key.
            throw new IOException((haveCert ? keyFile : certFile) + " is missing next to " + (haveCert ? certFile : keyFile)
                    + "; restore it, or delete both files to have a new certificate created (which the server must then trust anew)");
        }
        return create(own, certFile, keyFile, applicationUri);
    }

    /** The certificate file, for the PLC's administrator to trust. */
    public Path certificateFile() {
        return certificateFile;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public KeyPair keyPair() {
        return keyPair;
    }

    /** The URI subject alternative name of the certificate: the gateway's application URI. */
    public String applicationUri() {
        return applicationUri;
    }

    /** Whether {@link #loadOrCreate} created the certificate now. */
    public boolean created() {
        return created;
    }

    /** The certificate's SHA-1 thumbprint, as OPC UA servers show it. */
    public String thumbprint() {
        return thumbprint(certificate);
    }

    /** A certificate's SHA-1 thumbprint: upper-case hex pairs separated by colons. */
    public static String thumbprint(X509Certificate certificate) {
        try {
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(DigestUtil.sha1(certificate.getEncoded()));
        } catch (java.security.cert.CertificateEncodingException e) {
            return "(not encodable: " + e.getMessage() + ")";
        }
    }

    private static GatewayCertificate load(Path certFile, Path keyFile) throws IOException {
        X509Certificate cert;
        try {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(certFile)));
        } catch (GeneralSecurityException e) {
            throw new IOException(certFile + " is not an X.509 certificate (DER or PEM): " + e.getMessage(), e);
        }
        if (!(cert.getPublicKey() instanceof RSAPublicKey publicKey)) {
            throw new IOException(certFile + " holds a " + cert.getPublicKey().getAlgorithm()
                    + " key; the supported security policies need RSA");
        }
        PrivateKey key = readKey(keyFile);
        if (!(key instanceof RSAPrivateCrtKey rsa) || !rsa.getModulus().equals(publicKey.getModulus())) {
            throw new IOException(keyFile + " is not the private key of the certificate " + certFile);
        }
        Optional<String> uri = CertificateUtil.getSanUri(cert);
        if (uri.isEmpty()) {
            throw new IOException(certFile + " has no URI subject alternative name; OPC UA needs the application URI there");
        }
        return new GatewayCertificate(certFile, cert, new KeyPair(publicKey, key), uri.get(), false);
    }

    private static PrivateKey readKey(Path keyFile) throws IOException {
        try {
            // The gateway reads its key from this file alone, so the conversion command converts it in place.
            return PrivateKeys.fromPemOrDer(keyFile.toString(), Files.readAllBytes(keyFile), keyFile.toString());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static GatewayCertificate create(Path own, Path certFile, Path keyFile, String applicationUri) throws IOException {
        createOwnerOnlyDirectory(own);
        KeyPair pair;
        X509Certificate cert;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            pair = generator.generateKeyPair();
            SelfSignedCertificateBuilder builder = new SelfSignedCertificateBuilder(pair)
                    .setCommonName(commonName(applicationUri))
                    .setOrganization("Werkstrom")
                    .setApplicationUri(applicationUri)
                    .setSignatureAlgorithm(SelfSignedCertificateBuilder.SA_SHA256_RSA)
                    .setValidityPeriod(Period.ofYears(10));
            localHostName().ifPresent(builder::addDnsName);
            cert = builder.build();
        } catch (Exception e) {
            throw new IOException("creating the gateway's certificate failed: " + e.getMessage(), e);
        }
        String pem = PEM_BEGIN + "\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pair.getPrivate().getEncoded())
                + "\n" + PEM_END + "\n";
        byte[] der;
        try {
            der = cert.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IOException("encoding the gateway's certificate failed: " + e.getMessage(), e);
        }
        // Both written in full before either takes its name, the key first: a crash leaves neither, or a
        // key without its certificate only between two renames.
        Path keyTmp = ownerOnlyTemporary(keyFile, pem.getBytes(StandardCharsets.US_ASCII));
        try {
            Path certTmp = ownerOnlyTemporary(certFile, der);
            try {
                rename(keyTmp, keyFile);
                rename(certTmp, certFile);
            } finally {
                Files.deleteIfExists(certTmp);
            }
        } finally {
            Files.deleteIfExists(keyTmp);
        }
        return new GatewayCertificate(certFile, cert, pair, applicationUri, true);
    }

    /** "Werkstrom gateway acme/plant-1/gw-01" for urn:werkstrom:gateway:acme:plant-1:gw-01: what a PLC's trust list shows. */
    private static String commonName(String applicationUri) {
        String prefix = OpcUaOptions.DEFAULT_APPLICATION_URI + ":";
        String name = applicationUri.startsWith(prefix) ? applicationUri.substring(prefix.length()).replace(':', '/') : applicationUri;
        String cn = "Werkstrom gateway " + name;
        return cn.length() <= 64 ? cn : cn.substring(0, 64); // X.520 upper bound of a common name
    }

    private static Optional<String> localHostName() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            return name == null || name.isBlank() ? Optional.empty() : Optional.of(name);
        } catch (IOException e) {
            return Optional.empty(); // the name is a courtesy for the PLC's administrator, not needed to connect
        }
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    private static void createOwnerOnlyDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (posix()) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
    }

    /** {@code bytes} in a temporary file next to {@code file}, readable by the owner only where the file system allows. */
    private static Path ownerOnlyTemporary(Path file, byte[] bytes) throws IOException {
        Path tmp = posix()
                ? Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, bytes);
            return tmp;
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    private static void rename(Path tmp, Path file) throws IOException {
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file);
        }
    }
}

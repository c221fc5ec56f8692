package io.github.dashboardmetrics.sink.cache;

import io.github.dashboardmetrics.config.RedisTarget;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for {@code rediss://}: an {@link SSLSocketFactory} that trusts the given CA certificates
 * (or the JVM's trust store) and presents the client certificate when one is given, and
 * parameters that check the server's host name against its certificate.
 */
public final class RedisTls {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    private RedisTls() {}

    /** Reads the PEM files (any may be null) into a {@link RedisTarget.Tls}; bad files fail with one line. */
    public static RedisTarget.Tls read(Path caFile, Path certFile, Path keyFile) {
        RedisTarget.Tls tls = new RedisTarget.Tls(readFile(caFile, "--redis-tls-ca-file"),
                readFile(certFile, "--redis-tls-cert-file"), readFile(keyFile, "--redis-tls-key-file"));
        socketFactory(tls); // parse now: a bad certificate or key is a configuration error at start
        return tls;
    }

    private static String readFile(Path file, String option) {
        if (file == null) {
            return null;
        }
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + ": cannot read " + file + " (" + e.getMessage() + ")");
        }
    }

    /** The socket factory of {@code tls} (null: the JVM's defaults, no client certificate). */
    public static SSLSocketFactory socketFactory(RedisTarget.Tls tls) {
        if (tls == null) {
            return (SSLSocketFactory) SSLSocketFactory.getDefault();
        }
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (tls.caPem() != null) {
                KeyStore cas = KeyStore.getInstance(KeyStore.getDefaultType());
                cas.load(null, null);
                int i = 0;
                for (Certificate ca : certificates(tls.caPem(), "--redis-tls-ca-file")) {
                    cas.setCertificateEntry("ca-" + i++, ca);
                }
                trust.init(cas);
            } else {
                trust.init((KeyStore) null);
            }
            KeyManagerFactory keys = null;
            if (tls.certPem() != null) {
                char[] none = new char[0];
                KeyStore client = KeyStore.getInstance("PKCS12");
                client.load(null, null);
                List<Certificate> chain = certificates(tls.certPem(), "--redis-tls-cert-file");
                client.setKeyEntry("client", privateKey(tls.keyPem()), none, chain.toArray(new Certificate[0]));
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(client, none);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("Redis TLS: cannot use the given certificates or key: " + e.getMessage());
        }
    }

    /** Host name verification (HTTPS rules: the certificate's SAN must name the host connected to). */
    public static SSLParameters parameters() {
        SSLParameters parameters = new SSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        return parameters;
    }

    private static List<Certificate> certificates(String pem, String option) throws GeneralSecurityException {
        Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException(option + ": no PEM certificate in the file");
        }
        return new ArrayList<>(certificates);
    }

    private static PrivateKey privateKey(String pem) throws GeneralSecurityException {
        Matcher m = PEM.matcher(pem);
        while (m.find()) {
            String type = m.group(1);
            if (type.equals("PRIVATE KEY")) {
                byte[] der = Base64.getMimeDecoder().decode(m.group(2).replaceAll("\\s", ""));
                for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
                    try {
                        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                    } catch (GeneralSecurityException notThisOne) {
                        // try the next algorithm
                    }
                }
                throw new IllegalArgumentException("--redis-tls-key-file: not an RSA, EC or Ed25519 PKCS#8 key");
            }
            if (type.endsWith("PRIVATE KEY")) {
                throw new IllegalArgumentException("--redis-tls-key-file holds a " + type + "; convert it to an unencrypted "
                        + "PKCS#8 key: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8.pem");
            }
        }
        throw new IllegalArgumentException("--redis-tls-key-file: no PEM \"PRIVATE KEY\" in the file");
    }
}

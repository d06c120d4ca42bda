package fr.gouvconnect.keycloak.broker;

import fr.gouvconnect.keycloak.GouvConnectException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.http.client.HttpClient;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.impl.client.HttpClients;

/**
 * The client side of Pro Santé Connect's mutual TLS (RFC 8705 {@code tls_client_auth}): an HTTP
 * client presenting the instance's certificate, used for the token request only. The key is
 * read from a PEM file on the Keycloak host, never stored in the realm.
 */
final class MutualTls {
    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    /** One HTTP client per (certificate, key, trust store) — they hold connection pools. */
    private static final ConcurrentHashMap<String, HttpClient> CLIENTS = new ConcurrentHashMap<>();

    private MutualTls() {
    }

    /** A shared HTTP client for a certificate and key; {@code trust} null means the JVM's CAs. */
    static HttpClient httpClient(String certPem, String keyPem, KeyStore trust, int timeoutMillis) {
        String key = certPem + "\n" + keyPem + "\n" + System.identityHashCode(trust) + "\n" + timeoutMillis;
        return CLIENTS.computeIfAbsent(key, k -> {
            RequestConfig timeouts = RequestConfig.custom().setConnectTimeout(timeoutMillis)
                    .setSocketTimeout(timeoutMillis).setConnectionRequestTimeout(timeoutMillis).build();
            return HttpClients.custom()
                    .setSSLContext(sslContext(Path.of(certPem), Path.of(keyPem), trust))
                    .setDefaultRequestConfig(timeouts)
                    .disableRedirectHandling()
                    .useSystemProperties()
                    .build();
        });
    }

    /**
     * An SSL context presenting the certificate chain of {@code certPem} with the PKCS#8 RSA or
     * EC key of {@code keyPem}, trusting {@code trust} (or the JVM's CAs when null). A missing or
     * unreadable file is {@code invalid_config}.
     */
    static SSLContext sslContext(Path certPem, Path keyPem, KeyStore trust) {
        try {
            Certificate[] chain = readChain(certPem);
            PrivateKey privateKey = readKey(keyPem);
            checkPair(chain[0], privateKey, keyPem);
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            char[] password = new char[0];
            keys.setKeyEntry("client", privateKey, password, chain);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            // The exception names the file or the problem, never the key material.
            throw new GouvConnectException("invalid_config",
                    "mutual TLS: cannot use the client certificate or key: " + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    /** A key that does not match the certificate would only fail later, in the handshake. */
    private static void checkPair(Certificate cert, PrivateKey key, Path keyPem) throws GeneralSecurityException {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        byte[] probe = "gouvconnect mutual TLS key check".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        try {
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another type: same answer as a mismatch
        }
        throw new GeneralSecurityException(keyPem + " is not the private key of the client certificate");
    }

    private static Certificate[] readChain(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new GeneralSecurityException("no certificate in " + pem);
            }
            return certs.toArray(new Certificate[0]);
        }
    }

    private static PrivateKey readKey(Path pem) throws IOException, GeneralSecurityException {
        Matcher m = PKCS8.matcher(Files.readString(pem, StandardCharsets.US_ASCII));
        if (!m.find()) {
            throw new GeneralSecurityException(pem + " holds no PKCS#8 \"PRIVATE KEY\" block "
                    + "(convert with: openssl pkcs8 -topk8 -nocrypt)");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(1)));
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new GeneralSecurityException(pem + " is neither an RSA nor an EC private key");
    }
}

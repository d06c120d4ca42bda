package fr.gouvconnect.keycloak.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import fr.gouvconnect.keycloak.GouvConnectException;
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.apache.http.HttpResponse;
import org.apache.http.client.HttpClient;
import org.apache.http.client.methods.HttpPost;
import org.apache.http.util.EntityUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PSC's mutual TLS on the token request: a real TLS server that demands a client certificate
 * must see the instance's certificate (RSA and EC keys), and nothing else gets through.
 * Certificates are made with the JDK's keytool (no openssl needed).
 */
class MutualTlsTest {
    @TempDir
    static Path dir;

    private static final char[] PASSWORD = "changeit".toCharArray();

    /** A self-signed certificate and its PKCS#8 key as PEM files: {cert, key, pkcs12}. */
    private static Path[] makeIdentity(String name, String keyalg, String san) throws Exception {
        Path p12 = dir.resolve(name + ".p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of(keytool,
                "-genkeypair", "-alias", name, "-keyalg", keyalg, "-dname", "CN=" + name,
                "-validity", "2", "-storetype", "PKCS12", "-keystore", p12.toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)));
        if (keyalg.equals("RSA")) {
            cmd.addAll(List.of("-keysize", "2048"));
        }
        if (san != null) {
            cmd.addAll(List.of("-ext", "SAN=" + san));
        }
        Process process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(p12.toFile())) {
            ks.load(in, PASSWORD);
        }
        Certificate cert = ks.getCertificate(name);
        Key key = ks.getKey(name, PASSWORD);
        Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        Path certPem = dir.resolve(name + ".crt.pem");
        Path keyPem = dir.resolve(name + ".key.pem");
        Files.writeString(certPem, "-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        Files.writeString(keyPem, "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        return new Path[] {certPem, keyPem, p12};
    }

    private static KeyStore trusting(Path... certPems) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        int i = 0;
        for (Path pem : certPems) {
            try (InputStream in = Files.newInputStream(pem)) {
                trust.setCertificateEntry("c" + i++, java.security.cert.CertificateFactory.getInstance("X.509")
                        .generateCertificate(in));
            }
        }
        return trust;
    }

    private static Path[] server;
    private static Path[] rsaClient;
    private static Path[] ecClient;
    private static Path[] stranger;

    @BeforeAll
    static void identities() throws Exception {
        server = makeIdentity("server", "RSA", "ip:127.0.0.1");
        rsaClient = makeIdentity("psc-client-rsa", "RSA", null);
        ecClient = makeIdentity("psc-client-ec", "EC", null);
        stranger = makeIdentity("stranger", "EC", null);
    }

    /** Runs a TLS server requiring a client certificate (trusting the two PSC clients only). */
    private static HttpsServer startServer() throws Exception {
        SSLContext serverContext = MutualTls.sslContext(server[0], server[1], trusting(rsaClient[0], ecClient[0]));
        HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(serverContext) {
            @Override
            public void configure(HttpsParameters params) {
                var ssl = serverContext.getDefaultSSLParameters();
                ssl.setNeedClientAuth(true);
                params.setSSLParameters(ssl);
            }
        });
        https.createContext("/token", exchange -> {
            X509Certificate peer =
                    (X509Certificate) ((HttpsExchange) exchange).getSSLSession().getPeerCertificates()[0];
            byte[] body = peer.getSubjectX500Principal().getName().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        https.start();
        return https;
    }

    @Test
    void theTokenRequestPresentsTheInstanceCertificate() throws Exception {
        HttpsServer https = startServer();
        try {
            String url = "https://127.0.0.1:" + https.getAddress().getPort() + "/token";
            KeyStore trustServer = trusting(server[0]);
            for (Path[] client : new Path[][] {rsaClient, ecClient}) {
                HttpClient http = MutualTls.httpClient(client[0].toString(), client[1].toString(), trustServer, 5_000);
                HttpResponse response = http.execute(new HttpPost(url));
                assertEquals(200, response.getStatusLine().getStatusCode());
                String subject = EntityUtils.toString(response.getEntity());
                assertTrue(subject.startsWith("CN=psc-client-"), subject);
                assertEquals(subject.contains("rsa"), client == rsaClient);
            }
            // A certificate the server does not trust gets no answer (with TLS 1.3 the server's
            // refusal arrives after the client's side of the handshake: a reset or an alert).
            HttpClient intruder =
                    MutualTls.httpClient(stranger[0].toString(), stranger[1].toString(), trustServer, 5_000);
            assertThrows(java.io.IOException.class, () -> intruder.execute(new HttpPost(url)));
            // And the server itself must be trusted: the JVM's CAs do not know it.
            HttpClient untrusting = MutualTls.httpClient(rsaClient[0].toString(), rsaClient[1].toString(), null, 5_000);
            assertThrows(SSLHandshakeException.class, () -> untrusting.execute(new HttpPost(url)));
        } finally {
            https.stop(0);
        }
    }

    @Test
    void unusableFilesAreConfigurationErrors() throws Exception {
        Path missing = dir.resolve("missing.pem");
        GouvConnectException e = assertThrows(GouvConnectException.class,
                () -> MutualTls.sslContext(missing, rsaClient[1], null));
        assertEquals("invalid_config", e.getCode());
        // A certificate file where the key should be: refused, and the message quotes no PEM.
        e = assertThrows(GouvConnectException.class, () -> MutualTls.sslContext(rsaClient[0], rsaClient[0], null));
        assertEquals("invalid_config", e.getCode());
        assertTrue(!e.getMessage().contains("BEGIN"), e.getMessage());
        // A key that does not belong to the certificate.
        e = assertThrows(GouvConnectException.class, () -> MutualTls.sslContext(rsaClient[0], ecClient[1], null));
        assertEquals("invalid_config", e.getCode());
    }
}

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import fr.gouvconnect.keycloak.NativeClient;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code make bench-micro} (JVM part): one callback verification through the Keycloak
 * extension's JNI class ({@link NativeClient}, the Rust core in libgouvconnect_jni.so), side by
 * side with nimbus-jose-jwt doing the same work, and the floor (the two raw signature checks with
 * JCA, keys and Signature objects prepared beforehand).
 *
 * <p>The same work for every contender on the shared vectors (fixed keys, tokens, {@code now}):
 * parse the pending login and the token response; verify the id_token (signature with the JWKS key
 * named by {@code kid}, iss, aud, azp, exp, iat with 30 s leeway, nonce); verify the signed
 * userinfo JWT (signature, iss, aud) and that its {@code sub} equals the id_token's; build the
 * identity as a Java map (docs/architecture.md §4). Each contender's identity is checked once against the
 * vector's expected identity.
 *
 * <p>JIT warm-up first, then rounds in rotating order (the machine is shared): medians and spread.
 *
 * <p>Usage: {@code java Bench ROOT [core-medians-file]} or {@code java Bench --load-time} (the
 * time to extract and load the JNI library in a fresh JVM, printed in ms).
 */
public final class Bench {
    private static final int ROUNDS = 9;
    private static final long ROUND_NS = 200_000_000L;
    private static final long WARMUP_NS = 1_500_000_000L;
    private static final int LEEWAY = 30;
    /** ProConnect's acr values that mean a multi-factor login (docs/architecture.md §4). */
    private static final java.util.Set<String> MFA_ACR = java.util.Set.of("eidas0-mfa", "eidas1-mfa", "eidas2", "eidas3");

    public static void main(String[] args) throws Exception {
        if (args[0].equals("--load-time")) {
            long start = System.nanoTime();
            NativeClient.errorCodesJson(); // first native call: extract + System.load + JNI_OnLoad
            System.out.printf("%.2f%n", (System.nanoTime() - start) / 1e6);
            return;
        }
        Path root = Path.of(args[0]);
        Map<String, double[]> core = coreMedians(args.length > 1 ? Path.of(args[1]) : null);
        System.out.printf("JVM %s %s (%s): gouvconnect JNI (keycloak-ext), nimbus-jose-jwt %s%n",
                System.getProperty("java.vm.name"), System.getProperty("java.version"),
                System.getProperty("os.arch"), JWK.class.getPackage().getImplementationVersion());
        System.out.printf("warm-up %.1fs CPU per contender, %d rotating rounds of %dms CPU; medians (min–max) of thread CPU µs/op%n",
                WARMUP_NS / 1e9, ROUNDS, ROUND_NS / 1_000_000);
        for (String[] v : new String[][] {{"ES256", "pc_es256"}, {"RS256", "pc_rs256_full_claims"}}) {
            run(v[0], v[1], root, core);
        }
    }

    private static void run(String alg, String name, Path root, Map<String, double[]> core) throws Exception {
        Map<String, Object> vector = JSONObjectUtils.parse(
                Files.readString(root.resolve("tests/vectors/" + name + ".json")), -1);
        Map<String, Object> config = JSONObjectUtils.getJSONObject(vector, "config");
        String issuer = (String) config.get("issuer");
        String clientId = (String) config.get("client_id");
        long now = ((Number) vector.get("now")).longValue();
        String pending = JSONObjectUtils.toJSONString(JSONObjectUtils.getJSONObject(vector, "pending"));
        Map<String, Object> tokenMap = JSONObjectUtils.getJSONObject(vector, "token_response");
        String tokenResponse = JSONObjectUtils.toJSONString(tokenMap);
        Map<String, Object> userinfo = JSONObjectUtils.getJSONObject(vector, "userinfo");
        String contentType = (String) userinfo.get("content_type");
        String bodyText = (String) userinfo.get("body");
        byte[] body = bodyText.getBytes(StandardCharsets.UTF_8);
        Map<String, Object> jwksMap = JSONObjectUtils.getJSONObject(vector, "jwks");
        Object expected = JSONObjectUtils.getJSONObject(JSONObjectUtils.getJSONObject(vector, "expected"), "identity");

        // Ours: the extension's JNI class, sans-IO (custom issuer, conventional endpoints).
        NativeClient client = new NativeClient(JSONObjectUtils.toJSONString(config), null);
        client.setJwks(JSONObjectUtils.toJSONString(jwksMap).getBytes(StandardCharsets.UTF_8));
        Supplier<Object> oursRaw = () -> client.finishLogin(pending, tokenResponse, contentType, body, now, null);
        Supplier<Object> ours = () -> {
            try { // as the extension consumes it: the login JSON parsed into Java maps
                return JSONObjectUtils.getJSONObject(JSONObjectUtils.parse((String) oursRaw.get(), -1), "identity");
            } catch (java.text.ParseException e) {
                throw new IllegalStateException(e);
            }
        };

        // nimbus: the idiomatic processor, key set parsed once (signing keys only).
        List<JWK> sigKeys = new ArrayList<>();
        for (JWK k : JWKSet.parse(jwksMap).getKeys()) {
            if (k.getKeyUse() == null || "sig".equals(k.getKeyUse().identifier())) {
                sigKeys.add(k);
            }
        }
        JWKSet keySet = new JWKSet(sigKeys);
        JWSAlgorithm jwsAlg = JWSAlgorithm.parse(alg);
        Date fixedNow = new Date(now * 1000);
        DefaultJWTProcessor<SecurityContext> idProc = processor(keySet, jwsAlg, fixedNow,
                new JWTClaimsSet.Builder().issuer(issuer).audience(clientId).build(),
                Set.of("sub", "exp", "iat", "nonce"));
        DefaultJWTProcessor<SecurityContext> uiProc = processor(keySet, jwsAlg, fixedNow,
                new JWTClaimsSet.Builder().issuer(issuer).audience(clientId).build(), Set.of("sub"));
        Supplier<Object> peer = () -> {
            try {
                String nonce = (String) JSONObjectUtils.parse(pending).get("nonce");
                String idToken = (String) JSONObjectUtils.parse(tokenResponse).get("id_token");
                JWTClaimsSet claims = idProc.process(idToken, null);
                if (claims.getClaim("azp") != null && !clientId.equals(claims.getClaim("azp"))) {
                    throw new IllegalStateException("azp");
                }
                if (!nonce.equals(claims.getStringClaim("nonce"))) {
                    throw new IllegalStateException("nonce");
                }
                if (claims.getIssueTime().getTime() / 1000 - LEEWAY > now) {
                    throw new IllegalStateException("iat");
                }
                if (!contentType.split(";")[0].trim().equals("application/jwt")) {
                    throw new IllegalStateException("userinfo content type");
                }
                JWTClaimsSet info = uiProc.process(bodyText, null);
                if (!claims.getSubject().equals(info.getSubject())) {
                    throw new IllegalStateException("sub");
                }
                return normalise(raw(claims), raw(info));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };

        // The floor: JCA, keys decoded and Signature objects initialised beforehand.
        String idToken = (String) tokenMap.get("id_token");
        String kid = (String) JSONObjectUtils.parse(
                new Base64URL(idToken.substring(0, idToken.indexOf('.'))).decodeToString()).get("kid");
        JWK jwk = keySet.getKeyByKeyId(kid);
        PublicKey publicKey = alg.equals("ES256") ? ((ECKey) jwk).toECPublicKey() : ((RSAKey) jwk).toRSAPublicKey();
        Signature sig = Signature.getInstance(alg.equals("ES256") ? "SHA256withECDSAinP1363Format" : "SHA256withRSA");
        sig.initVerify(publicKey);
        byte[][][] inputs = new byte[2][][];
        String[] tokens = {idToken, bodyText};
        for (int i = 0; i < 2; i++) {
            int dot = tokens[i].lastIndexOf('.');
            inputs[i] = new byte[][] {tokens[i].substring(0, dot).getBytes(StandardCharsets.US_ASCII),
                    new Base64URL(tokens[i].substring(dot + 1)).decode()};
        }
        Supplier<Object> floor = () -> {
            try {
                for (byte[][] in : inputs) {
                    sig.update(in[0]);
                    if (!sig.verify(in[1])) {
                        throw new IllegalStateException("floor signature");
                    }
                }
                return null;
            } catch (java.security.SignatureException e) {
                throw new IllegalStateException(e);
            }
        };

        String[] labels = {"gouvconnect JNI → identity map", "gouvconnect JNI call (JSON string)",
                "nimbus-jose-jwt", "floor: 2 sig checks (JCA)"};
        List<Supplier<Object>> fns = List.of(ours, oursRaw, peer, floor);
        check("gouvconnect", ours.get(), expected);
        check("nimbus-jose-jwt", peer.get(), expected);
        for (Supplier<Object> f : fns) {
            measure(f, WARMUP_NS);
        }
        double[][] samples = new double[fns.size()][ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            for (int k = 0; k < fns.size(); k++) {
                int i = (k + r) % fns.size();
                samples[i][r] = measure(fns.get(i), ROUND_NS);
            }
        }
        double[] med = new double[fns.size()];
        System.out.printf("%n%s (%s): id_token + signed userinfo + claims + identity%n", alg, name);
        System.out.printf("%-36s %9s %17s %9s %13s%n", "contender", "µs/op", "spread µs", "ops/s", "ours ×faster");
        for (int i = 0; i < fns.size(); i++) {
            double[] s = samples[i].clone();
            Arrays.sort(s);
            med[i] = s[s.length / 2];
        }
        for (int i = 0; i < fns.size(); i++) {
            double[] s = samples[i].clone();
            Arrays.sort(s);
            String ratio = i < 2 ? "" : String.format("%.2f×", med[i] / med[0]);
            System.out.printf("%-36s %9.1f %17s %9.0f %13s%n", labels[i], med[i],
                    String.format("%.1f–%.1f", s[0], s[s.length - 1]), 1e6 / med[i], ratio);
        }
        System.out.printf("ours vs nimbus: %.2f× faster; JNI call/floor %.2f%n", med[2] / med[0], med[1] / med[3]);
        double[] c = core.get(alg);
        if (c != null) {
            double within = med[1] / c[0];
            System.out.printf("binding (JNI call) vs native core (%.1f µs/op, measured just before): %.2f× (target ≤ 1.2×: %s)%n",
                    c[0], within, within <= 1.2 ? "MET" : "MISSED");
        }
        System.out.printf("BENCH jvm %s ours_map_us=%.2f ours_jni_us=%.2f nimbus_us=%.2f floor_us=%.2f%n",
                alg, med[0], med[1], med[2], med[3]);
        client.close();
    }

    private static DefaultJWTProcessor<SecurityContext> processor(JWKSet keys, JWSAlgorithm alg, Date now,
            JWTClaimsSet exact, Set<String> required) {
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(alg, new ImmutableJWKSet<>(keys)));
        DefaultJWTClaimsVerifier<SecurityContext> v = new DefaultJWTClaimsVerifier<>(exact, required) {
            @Override
            protected Date currentTime() {
                return now; // the vector's fixed `now`
            }
        };
        v.setMaxClockSkew(LEEWAY);
        p.setJWTClaimsSetVerifier(v);
        return p;
    }

    /** Claims as plain JSON values (dates back to unix seconds, single audience as a string). */
    private static Map<String, Object> raw(JWTClaimsSet claims) {
        return claims.toJSONObject();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> normalise(Map<String, Object> id, Map<String, Object> ui) {
        Map<String, Object> custom = ui.get("custom") instanceof Map
                ? new LinkedHashMap<>((Map<String, Object>) ui.get("custom")) : new LinkedHashMap<>();
        Object ev = ui.containsKey("email_verified") ? ui.get("email_verified") : id.get("email_verified");
        Boolean emailVerified = boolLike(ev);
        if (emailVerified == null) {
            emailVerified = boolLike(custom.get("email_verified"));
        }
        String siret = get(ui, id, "siret");
        String matricule = get(ui, id, "chorusdt:matricule");
        String societe = get(ui, id, "chorusdt:societe");
        Object roles = ui.containsKey("roles") ? ui.get("roles") : id.get("roles");
        Map<String, Object> pc = new LinkedHashMap<>();
        pc.put("uid", get(ui, id, "uid"));
        pc.put("siret", siret == null ? null : siret.replaceAll("\\s", ""));
        pc.put("siren", get(ui, id, "siren"));
        pc.put("organizational_unit", get(ui, id, "organizational_unit"));
        pc.put("organization_label", get(ui, id, "organization_label"));
        pc.put("belonging_population", get(ui, id, "belonging_population"));
        pc.put("phone_number", get(ui, id, "phone_number"));
        pc.put("roles", strings(roles));
        Map<String, Object> chorus = null;
        if (matricule != null || societe != null) {
            chorus = new LinkedHashMap<>();
            chorus.put("matricule", matricule);
            chorus.put("societe", societe);
        }
        pc.put("chorusdt", chorus);
        pc.put("idp_id", get(ui, id, "idp_id"));
        pc.put("idp_acr", get(ui, id, "idp_acr"));
        pc.put("custom", custom);
        String family = get(ui, id, "usual_name");
        Map<String, Object> identity = new LinkedHashMap<>();
        identity.put("provider", "proconnect");
        identity.put("sub", id.get("sub"));
        identity.put("email", get(ui, id, "email"));
        identity.put("email_verified", emailVerified);
        identity.put("given_name", get(ui, id, "given_name"));
        identity.put("family_name", family != null ? family : get(ui, id, "family_name"));
        identity.put("acr", text(id, "acr"));
        identity.put("amr", strings(id.get("amr")));
        // Whether this login used MFA (docs/architecture.md §4): ProConnect's MFA levels or `mfa`
        // among the methods.
        String acr = text(id, "acr");
        identity.put("mfa", MFA_ACR.contains(acr) || strings(id.get("amr")).contains("mfa"));
        identity.put("proconnect", pc);
        identity.put("prosanteconnect", null);
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("id_token", id);
        raw.put("userinfo", ui);
        identity.put("raw", raw);
        return identity;
    }

    private static String text(Map<String, Object> m, String name) {
        Object v = m.get(name);
        return v instanceof String && !((String) v).isBlank() ? (String) v : null;
    }

    private static String get(Map<String, Object> ui, Map<String, Object> id, String name) {
        String v = text(ui, name);
        return v != null ? v : text(id, name);
    }

    private static Boolean boolLike(Object v) {
        if (v instanceof Boolean) {
            return (Boolean) v;
        }
        return "true".equals(v) ? Boolean.TRUE : "false".equals(v) ? Boolean.FALSE : null;
    }

    private static List<String> strings(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof List) {
            for (Object o : (List<?>) v) {
                if (o instanceof String) {
                    out.add((String) o);
                }
            }
        }
        return out;
    }

    /** Deep equality of JSON values, numbers compared by value (parsers differ on Long/Double). */
    private static boolean same(Object a, Object b) {
        if (a instanceof Number && b instanceof Number) {
            return ((Number) a).doubleValue() == ((Number) b).doubleValue();
        }
        if (a instanceof Map && b instanceof Map) {
            Map<?, ?> x = (Map<?, ?>) a;
            Map<?, ?> y = (Map<?, ?>) b;
            if (!x.keySet().equals(y.keySet())) {
                return false;
            }
            for (Object k : x.keySet()) {
                if (!same(x.get(k), y.get(k))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof List && b instanceof List) {
            List<?> x = (List<?>) a;
            List<?> y = (List<?>) b;
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!same(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a == null ? b == null : a.equals(b);
    }

    private static void check(String who, Object got, Object expected) {
        if (!same(got, expected)) {
            throw new IllegalStateException(who + " identity differs from the vector's:\n" + got + "\n" + expected);
        }
    }

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * CPU µs per call (this thread's CPU time: other builds on the shared machine do not inflate it;
     * the JIT and GC threads are not counted) over at least {@code spanNs} of CPU time.
     */
    private static double measure(Supplier<Object> f, long spanNs) {
        long start = THREADS.getCurrentThreadCpuTime();
        long count = 0;
        Object sink = null;
        while (true) {
            for (int i = 0; i < 20; i++) {
                sink = f.get();
            }
            count += 20;
            long t = THREADS.getCurrentThreadCpuTime();
            if (t - start >= spanNs) {
                if (sink == Bench.class) {
                    System.out.print(""); // keeps `sink` alive for the JIT
                }
                return (t - start) / 1e3 / count;
            }
        }
    }

    private static Map<String, double[]> coreMedians(Path file) throws Exception {
        Map<String, double[]> out = new LinkedHashMap<>();
        if (file == null || !Files.exists(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file)) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3) {
                out.put(f[0], new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[2])});
            }
        }
        return out;
    }
}

package fr.gouvconnect.keycloak.practice;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import fr.gouvconnect.keycloak.GouvConnectException;
import fr.gouvconnect.keycloak.NativeClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Pro Santé Connect practices of one login, as the core lists them
 * ({@code Identity::practices}, docs/architecture.md §4): the choice offered by the chooser and
 * what a chosen practice becomes in Keycloak (user-session notes and user attributes). No
 * extraction or label lookup here: the core's JSON is read as it is.
 */
public final class Practices {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Prefix of the user-session notes and user attributes of the chosen practice. */
    public static final String PREFIX = "gouvconnect.practice.";
    /** User-session note: the chosen practice as one JSON object (for a JSON-typed claim). */
    public static final String PRACTICE_NOTE = "gouvconnect.practice";
    /**
     * User-session note: the identity acting for the chosen practice, kept so that the user can
     * switch later (the broker's context is gone by then). Server-side only; no token in it.
     */
    public static final String IDENTITY_NOTE = "gouvconnect.identity";

    /** User-session note: the alias of the identity provider the identity came from. */
    public static final String ALIAS_NOTE = "gouvconnect.provider_alias";

    private final List<JsonNode> list;

    private Practices(List<JsonNode> list) {
        this.list = list;
    }

    /** The practices of an identity (the core's JSON), through the core. */
    public static Practices of(String identityJson) {
        return parse(NativeClient.practices(identityJson));
    }

    /** Reads the core's JSON array of practices. */
    static Practices parse(String practicesJson) {
        try {
            JsonNode array = JSON.readTree(practicesJson);
            List<JsonNode> out = new ArrayList<>();
            if (array != null && array.isArray()) {
                array.forEach(out::add);
            }
            return new Practices(Collections.unmodifiableList(out));
        } catch (IOException e) {
            throw new GouvConnectException("internal_error", "unreadable practice list");
        }
    }

    public int size() {
        return list.size();
    }

    /** Whether the user must be asked: more than one practice. */
    public boolean needsChoice() {
        return list.size() > 1;
    }

    /** The only practice's id, or null when there is none or several. */
    public String only() {
        return list.size() == 1 ? list.get(0).path("id").asText(null) : null;
    }

    /** Whether {@code id} is one of these practices (a kept choice must still exist). */
    public boolean contains(String id) {
        return id != null && list.stream().anyMatch(p -> id.equals(p.path("id").asText(null)));
    }

    /**
     * What the chooser shows for each practice, in the provider's order: {@code id},
     * {@code profession} (the core's label, null when the table lacks the code),
     * {@code professionCode}, {@code specialty} (savoir-faire label), {@code structure} (site name
     * or trade name), {@code place} (postal code, else department), {@code details} (mode and
     * sector labels). Missing values are null; the template words them.
     */
    public List<Map<String, String>> describe() {
        List<Map<String, String>> out = new ArrayList<>();
        for (JsonNode p : list) {
            Map<String, String> d = new LinkedHashMap<>();
            d.put("id", text(p, "id"));
            d.put("profession", text(p, "profession_label"));
            d.put("professionCode", text(p, "profession_code"));
            d.put("specialty", text(p, "savoir_faire_label"));
            d.put("structure", first(text(p, "name"), text(p, "commercial_name")));
            String department = text(p, "department_code");
            d.put("place", first(text(p, "postal_code"), department == null ? null : "département " + department));
            d.put("details", join(" · ", text(p, "mode_label"), text(p, "sector_label")));
            out.add(d);
        }
        return out;
    }

    /**
     * A chosen practice (the {@code practice} object of the core's identity) as Keycloak keys:
     * {@code gouvconnect.practice.<field>} for every field that has a value (codes, labels,
     * structure identifiers), the same names for user-session notes and user attributes. The
     * field names are the core's, so a mapper's configuration reads like the identity.
     */
    public static Map<String, String> keys(JsonNode practice) {
        Map<String, String> out = new LinkedHashMap<>();
        if (practice == null || !practice.isObject()) {
            return out;
        }
        practice.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            if (v != null && v.isValueNode() && !v.isNull() && !v.asText().isEmpty()) {
                out.put(PREFIX + e.getKey(), v.asText());
            }
        });
        return out;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }

    private static String first(String a, String b) {
        return a != null ? a : b;
    }

    private static String join(String separator, String... parts) {
        StringBuilder out = new StringBuilder();
        for (String p : parts) {
            if (p != null) {
                out.append(out.length() == 0 ? "" : separator).append(p);
            }
        }
        return out.length() == 0 ? null : out.toString();
    }
}

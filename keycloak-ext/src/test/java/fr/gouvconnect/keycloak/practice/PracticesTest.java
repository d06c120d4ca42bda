package fr.gouvconnect.keycloak.practice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import fr.gouvconnect.keycloak.GouvConnectException;
import fr.gouvconnect.keycloak.NativeClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The practice chooser's Java side over the core's answers: the identities are the expected
 * ones of the shared vectors (the emulator's doctor with two exercices, the pharmacist), so the
 * practices and labels are the core's, through JNI.
 */
class PracticesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String identity(String vector) throws IOException {
        Path file = Path.of(System.getProperty("gouvconnect.repo", ".."), "tests", "vectors", vector + ".json");
        return JSON.readTree(file.toFile()).get("expected").get("identity").toString();
    }

    @Test
    void theDoctorHasThreePracticesToChooseFromWithTheCoresLabels() throws IOException {
        Practices practices = Practices.of(identity("psc_doctor_two_exercices"));
        assertEquals(3, practices.size());
        assertTrue(practices.needsChoice());
        assertNull(practices.only());
        List<Map<String, String>> shown = practices.describe();
        assertEquals("Médecin", shown.get(0).get("profession"));
        assertEquals("10", shown.get(0).get("professionCode"));
        assertEquals("Médecine générale (SM)", shown.get(0).get("specialty"));
        assertEquals("CABINET DU DR BERNARD", shown.get(0).get("structure"));
        assertEquals("75019", shown.get(0).get("place"));
        assertEquals("Libéral, indépendant, artisan, commerçant · Cabinet individuel", shown.get(0).get("details"));
        assertEquals("HOPITAL EXEMPLE", shown.get(1).get("structure"));
        // CEX12 is not a specialty (type CEX): the core gives no label, the page shows none.
        assertNull(shown.get(2).get("specialty"));
        for (Map<String, String> p : shown) {
            assertTrue(p.get("id").matches("p[0-9a-f]{16}"), p.get("id"));
            assertTrue(practices.contains(p.get("id")));
        }
        assertFalse(practices.contains("p0000000000000000"));
        assertFalse(practices.contains(null));
    }

    @Test
    void thePharmacistsOnlyPracticeIsChosenWithoutAsking() throws IOException {
        Practices practices = Practices.of(identity("psc_pharmacist_adeli"));
        assertEquals(1, practices.size());
        assertFalse(practices.needsChoice());
        assertEquals(practices.describe().get(0).get("id"), practices.only());
    }

    @Test
    void aProConnectIdentityHasNoPractice() throws IOException {
        Practices practices = Practices.of(identity("pc_audience_array_of_one"));
        assertEquals(0, practices.size());
        assertNull(practices.only());
    }

    @Test
    void aChoiceSetsThePracticeAndTheMappingReadsIt() throws IOException {
        String doctor = identity("psc_doctor_two_exercices");
        String hospital = Practices.of(doctor).describe().get(1).get("id");
        JsonNode result = JSON.readTree(NativeClient.withPractice(doctor, hospital,
                "{\"fields\": {\"practice_name\": \"practice.name\"}}"));
        JsonNode practice = result.get("identity").get("practice");
        assertEquals(hospital, practice.get("id").asText());
        assertEquals("750000001", practice.get("finess").asText());
        assertEquals("HOPITAL EXEMPLE", result.get("mapped").get("fields").get("practice_name").asText());

        Map<String, String> keys = Practices.keys(practice);
        assertEquals(hospital, keys.get("gouvconnect.practice.id"));
        assertEquals("Médecin", keys.get("gouvconnect.practice.profession_label"));
        assertEquals("750000001", keys.get("gouvconnect.practice.finess"));
        // Absent values make no key (a switch removes the former practice's).
        assertFalse(keys.containsKey("gouvconnect.practice.siret"));
        assertTrue(keys.keySet().stream().allMatch(k -> k.startsWith(Practices.PREFIX)));
    }

    @Test
    void anIdTheIdentityDoesNotHoldIsInvalidRequest() throws IOException {
        String doctor = identity("psc_doctor_two_exercices");
        GouvConnectException e = assertThrows(GouvConnectException.class,
                () -> NativeClient.withPractice(doctor, "p0000000000000000", null));
        assertEquals("invalid_request", e.getCode());
        GouvConnectException notIdentity = assertThrows(GouvConnectException.class,
                () -> NativeClient.practices("{\"provider\": \"prosanteconnect\"}"));
        assertEquals("invalid_request", notIdentity.getCode());
    }

    @Test
    void keysOfNothingAreEmpty() {
        assertTrue(Practices.keys(null).isEmpty());
        assertTrue(Practices.keys(JSON.nullNode()).isEmpty());
    }
}

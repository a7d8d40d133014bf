package dev.tether.ssh.kex;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KexAlgorithmsTest {

    @Test
    void defaultIsUnchanged() {
        assertEquals(List.of(
                "mlkem768x25519-sha256",
                "sntrup761x25519-sha512",
                "sntrup761x25519-sha512@openssh.com",
                "curve25519-sha256",
                "curve25519-sha256@libssh.org",
                "ecdh-sha2-nistp256",
                "ecdh-sha2-nistp384",
                "ecdh-sha2-nistp521",
                "diffie-hellman-group-exchange-sha256",
                "diffie-hellman-group16-sha512",
                "diffie-hellman-group18-sha512",
                "diffie-hellman-group14-sha256"), KexAlgorithms.DEFAULT);
    }

    @Test
    void supportedListsEveryMethodWithItsHash() {
        Map<String, String> expected = new java.util.LinkedHashMap<>();
        expected.put("mlkem768x25519-sha256", "SHA-256");
        expected.put("sntrup761x25519-sha512", "SHA-512");
        expected.put("sntrup761x25519-sha512@openssh.com", "SHA-512");
        expected.put("curve25519-sha256", "SHA-256");
        expected.put("curve25519-sha256@libssh.org", "SHA-256");
        expected.put("ecdh-sha2-nistp256", "SHA-256");
        expected.put("ecdh-sha2-nistp384", "SHA-384");
        expected.put("ecdh-sha2-nistp521", "SHA-512");
        expected.put("diffie-hellman-group-exchange-sha256", "SHA-256");
        expected.put("diffie-hellman-group16-sha512", "SHA-512");
        expected.put("diffie-hellman-group18-sha512", "SHA-512");
        expected.put("diffie-hellman-group14-sha256", "SHA-256");
        expected.put("diffie-hellman-group-exchange-sha1", "SHA-1");
        expected.put("diffie-hellman-group14-sha1", "SHA-1");
        assertEquals(List.copyOf(expected.keySet()), KexAlgorithms.supported());
        expected.forEach((name, hash) -> {
            KexAlgorithm a = KexAlgorithms.get(name);
            assertNotNull(a, name);
            assertEquals(name, a.name());
            assertEquals(hash, a.hashAlgorithm(), name);
        });
    }

    @Test
    void sha1MethodsAreSupportedButNotDefault() {
        for (String name : List.of("diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1")) {
            assertTrue(KexAlgorithms.supported().contains(name), name);
            assertTrue(!KexAlgorithms.DEFAULT.contains(name), name);
        }
    }

    @Test
    void everyDefaultMethodIsImplemented() {
        for (String name : KexAlgorithms.DEFAULT) {
            assertNotNull(KexAlgorithms.get(name), name);
        }
    }

    @Test
    void unknownNamesGiveNull() {
        assertNull(KexAlgorithms.get("diffie-hellman-group1-sha1"));
        assertNull(KexAlgorithms.get("ext-info-c"));
        assertNull(KexAlgorithms.get(""));
        assertNull(KexAlgorithms.get(null));
    }

    @Test
    void methodsAreShared() {
        assertSame(KexAlgorithms.get("ecdh-sha2-nistp256"), KexAlgorithms.get("ecdh-sha2-nistp256"));
    }
}

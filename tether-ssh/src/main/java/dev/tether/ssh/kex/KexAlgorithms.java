package dev.tether.ssh.kex;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The registry of key exchange methods by name, in default preference order. */
public final class KexAlgorithms {
    private KexAlgorithms() {
    }

    /**
     * The default preference: post-quantum hybrids, then curve25519, then ECDH, then DH group
     * exchange and the fixed groups, so that older clients still connect.
     */
    public static final List<String> DEFAULT = List.of(
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
            "diffie-hellman-group14-sha256");

    private static final String GEX_SHA256 = "diffie-hellman-group-exchange-sha256";
    private static final String GEX_SHA1 = "diffie-hellman-group-exchange-sha1";

    /**
     * The methods implemented here, in default order and then the ones that are off by default:
     * {@code diffie-hellman-group-exchange-sha1} and {@code diffie-hellman-group14-sha1} hash with
     * SHA-1 (RFC 9142 §4 lists them as SHOULD NOT / MAY) and are used only when configured.
     */
    private static final Map<String, KexAlgorithm> METHODS;

    static {
        Map<String, KexAlgorithm> m = new LinkedHashMap<>();
        add(m, PqHybridKex.mlkem768x25519());
        add(m, PqHybridKex.sntrup761x25519("sntrup761x25519-sha512"));
        add(m, PqHybridKex.sntrup761x25519("sntrup761x25519-sha512@openssh.com"));
        add(m, EcdhStyleKex.curve25519("curve25519-sha256"));
        add(m, EcdhStyleKex.curve25519("curve25519-sha256@libssh.org"));
        add(m, NistEcdh.kex(NistEcdh.Curve.NISTP256));
        add(m, NistEcdh.kex(NistEcdh.Curve.NISTP384));
        add(m, NistEcdh.kex(NistEcdh.Curve.NISTP521));
        add(m, new DhGroupExchange(GEX_SHA256, "SHA-256", DhGroupSource.builtIn()));
        add(m, new DhKex("diffie-hellman-group16-sha512", "SHA-512", ModpGroups.GROUP16));
        add(m, new DhKex("diffie-hellman-group18-sha512", "SHA-512", ModpGroups.GROUP18));
        add(m, new DhKex("diffie-hellman-group14-sha256", "SHA-256", ModpGroups.GROUP14));
        // supported, not in DEFAULT: SHA-1
        add(m, new DhGroupExchange(GEX_SHA1, "SHA-1", DhGroupSource.builtIn()));
        add(m, new DhKex("diffie-hellman-group14-sha1", "SHA-1", ModpGroups.GROUP14));
        METHODS = Collections.unmodifiableMap(m);
    }

    private static void add(Map<String, KexAlgorithm> m, KexAlgorithm a) {
        m.put(a.name(), a);
    }

    /** Every name {@link #get} knows, including those that are off by default. */
    public static List<String> supported() {
        return List.copyOf(METHODS.keySet());
    }

    /** The method of that name, or null if we do not implement it. */
    public static KexAlgorithm get(String name) {
        return name == null ? null : METHODS.get(name);
    }

    /**
     * A Diffie-Hellman group exchange method (RFC 4419) whose server side takes its groups from
     * an OpenSSH {@code moduli} file (format of moduli(5)) instead of the built-in RFC 3526
     * groups. The file is read once, now; a malformed line fails with a message naming the file
     * and the line, and a file without any tested safe prime of at least 2048 bits is refused.
     * The client side is the same as {@link #get}'s.
     *
     * @param name       {@code diffie-hellman-group-exchange-sha256} or {@code diffie-hellman-group-exchange-sha1}
     * @param moduliFile e.g. {@code /etc/ssh/moduli}
     * @throws IllegalArgumentException if {@code name} is not a group exchange method
     * @throws IOException              if the file cannot be read or is malformed
     */
    public static KexAlgorithm groupExchange(String name, Path moduliFile) throws IOException {
        Objects.requireNonNull(moduliFile, "moduliFile");
        String hash;
        if (GEX_SHA256.equals(name)) {
            hash = "SHA-256";
        } else if (GEX_SHA1.equals(name)) {
            hash = "SHA-1";
        } else {
            throw new IllegalArgumentException("not a group exchange method: " + name
                    + " (expected " + GEX_SHA256 + " or " + GEX_SHA1 + ")");
        }
        return new DhGroupExchange(name, hash, DhGroupSource.moduliFile(moduliFile));
    }
}

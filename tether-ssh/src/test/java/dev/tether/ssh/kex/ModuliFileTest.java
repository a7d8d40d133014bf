package dev.tether.ssh.kex;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The moduli(5) parser, the group choice of the group exchange server, and the public factory. */
class ModuliFileTest {

    /** A moduli line for {@code group}, with its size field written as bits - 1 like ssh-keygen does. */
    static String line(String time, int type, int tests, int tries, DhGroup group) {
        return time + " " + type + " " + tests + " " + tries + " " + (group.bits() - 1) + " "
                + group.g().toString(16) + " " + group.p().toString(16).toUpperCase();
    }

    private static List<DhGroup> parse(String text) throws IOException {
        return ModuliFile.parse(new BufferedReader(new StringReader(text)), "/etc/ssh/moduli");
    }

    private static SshException parseError(String text) {
        return assertThrows(SshException.class, () -> parse(text));
    }

    @Test
    void readsValidLinesAndIgnoresCommentsAndBlankLines() throws Exception {
        String text = "#    $OpenBSD: moduli,v 1.38 $\n"
                + "# Time Type Tests Tries Size Generator Modulus\n"
                + "\n"
                + line("20240101000000", 2, 6, 100, ModpGroups.GROUP14) + "\n"
                + "   \t\n"
                + "  " + line("20240101000001", 2, 6, 100, ModpGroups.GROUP16).replace(" ", "\t") + "  \n";
        List<DhGroup> groups = parse(text);
        assertEquals(List.of(ModpGroups.GROUP14, ModpGroups.GROUP16), groups);
    }

    @Test
    void skipsEntriesThatAreNotTestedSafePrimes() throws Exception {
        String text = line("20240101000000", 4, 6, 100, ModpGroups.GROUP14) + "\n" // Sophie Germain, not safe
                + line("20240101000000", 2, 7, 100, ModpGroups.GROUP14) + "\n"   // composite bit set
                + line("20240101000000", 2, 2, 100, ModpGroups.GROUP14) + "\n"   // sieved only, no primality test
                + line("20240101000000", 2, 6, 0, ModpGroups.GROUP14) + "\n"     // no tries
                + line("20240101000000", 2, 6, 100, ModpGroups.GROUP15) + "\n";  // the only good one
        assertEquals(List.of(ModpGroups.GROUP15), parse(text));
    }

    @Test
    void aLineWithTooFewFieldsNamesFileAndLine() {
        SshException e = parseError("# comment\n"
                + line("20240101000000", 2, 6, 100, ModpGroups.GROUP14) + "\n"
                + "20240101000000 2 6 100 2047 2\n");
        assertEquals(DisconnectReason.KEY_EXCHANGE_FAILED, e.reason());
        assertEquals("moduli file /etc/ssh/moduli, line 3: expected 7 fields (time type tests tries size generator modulus), found 6",
                e.getMessage());
    }

    @Test
    void malformedFieldsAreErrorsNamingTheLine() {
        String good = line("20240101000000", 2, 6, 100, ModpGroups.GROUP14);
        String[] f = good.split(" ");
        assertTrue(parseError(String.join(" ", "2024-01-01", f[1], f[2], f[3], f[4], f[5], f[6]))
                .getMessage().startsWith("moduli file /etc/ssh/moduli, line 1: time"));
        assertTrue(parseError("\n" + String.join(" ", f[0], "two", f[2], f[3], f[4], f[5], f[6]))
                .getMessage().startsWith("moduli file /etc/ssh/moduli, line 2: type is not a decimal number"));
        assertTrue(parseError(String.join(" ", f[0], f[1], "-6", f[3], f[4], f[5], f[6]))
                .getMessage().contains("line 1: tests is not a decimal number"));
        assertTrue(parseError(String.join(" ", f[0], f[1], f[2], f[3], f[4], f[5], f[6] + "XYZ"))
                .getMessage().contains("line 1: modulus is not a hexadecimal number"));
        assertTrue(parseError(String.join(" ", f[0], f[1], f[2], f[3], f[4], "g", f[6]))
                .getMessage().contains("line 1: generator is not a hexadecimal number"));
    }

    @Test
    void sizeFieldMustMatchTheModulus() {
        String good = line("20240101000000", 2, 6, 100, ModpGroups.GROUP14);
        // 2048 is the bit length, but the field is bits - 1
        SshException e = parseError(good.replace(" 2047 ", " 2048 "));
        assertEquals("moduli file /etc/ssh/moduli, line 1: size field says 2048 (a 2049-bit modulus) but the modulus has 2048 bits",
                e.getMessage());
    }

    @Test
    void evenModulusAndBadGeneratorAreErrors() {
        DhGroup g14 = ModpGroups.GROUP14;
        String even = "20240101000000 2 6 100 2047 2 " + g14.p().subtract(BigInteger.ONE).toString(16);
        assertTrue(parseError(even).getMessage().contains("line 1: modulus is even"));
        String genOne = "20240101000000 2 6 100 2047 1 " + g14.p().toString(16);
        assertTrue(parseError(genOne).getMessage().contains("line 1: generator must satisfy 1 < g < p-1"));
    }

    @Test
    void fileErrorsNameThePath(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("moduli");
        Files.writeString(file, line("20240101000000", 2, 6, 100, ModpGroups.GROUP14) + "\nnot a moduli line\n");
        SshException e = assertThrows(SshException.class,
                () -> KexAlgorithms.groupExchange("diffie-hellman-group-exchange-sha256", file));
        assertEquals("moduli file " + file + ", line 2: expected 7 fields (time type tests tries size generator modulus), found 4",
                e.getMessage());
    }

    @Test
    void nonAsciiBytesAreHarmlessInCommentsAndAnErrorInFields(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("moduli");
        String good = line("20240101000000", 2, 6, 100, ModpGroups.GROUP14);
        Files.write(file, ("# caf\u00e9\n" + good + "\n" + good.replace(" 100 ", " 1\u00e90 ") + "\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        SshException e = assertThrows(SshException.class, () -> ModuliFile.read(file));
        assertTrue(e.getMessage().startsWith("moduli file " + file + ", line 3: tries is not a decimal number"), e.getMessage());
        Files.write(file, ("# caf\u00e9\n" + good + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(List.of(ModpGroups.GROUP14), ModuliFile.read(file));
    }

    @Test
    void aFileWithoutUsableGroupsIsRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("moduli");
        Files.writeString(file, "# only a 1536-bit group, below the 2048-bit floor\n"
                + "20240101000000 2 6 100 1535 2 " + RFC3526_GROUP5.toString(16) + "\n");
        SshException e = assertThrows(SshException.class,
                () -> KexAlgorithms.groupExchange("diffie-hellman-group-exchange-sha256", file));
        assertTrue(e.getMessage().contains("holds no usable group"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void factoryRejectsOtherNamesAndMissingFiles(@TempDir Path dir) {
        assertThrows(IllegalArgumentException.class,
                () -> KexAlgorithms.groupExchange("diffie-hellman-group14-sha256", dir.resolve("moduli")));
        assertThrows(NoSuchFileException.class,
                () -> KexAlgorithms.groupExchange("diffie-hellman-group-exchange-sha1", dir.resolve("absent")));
    }

    @Test
    void factoryNamesTheMethodAndHash(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("moduli");
        Files.writeString(file, line("20240101000000", 2, 6, 100, ModpGroups.GROUP14) + "\n");
        KexAlgorithm sha1 = KexAlgorithms.groupExchange("diffie-hellman-group-exchange-sha1", file);
        assertEquals("diffie-hellman-group-exchange-sha1", sha1.name());
        assertEquals("SHA-1", sha1.hashAlgorithm());
        KexAlgorithm sha256 = KexAlgorithms.groupExchange("diffie-hellman-group-exchange-sha256", file);
        assertEquals("diffie-hellman-group-exchange-sha256", sha256.name());
        assertEquals("SHA-256", sha256.hashAlgorithm());
    }

    // ---- group choice

    /** An odd number of exactly {@code bits} bits, distinct per {@code tag}: enough for choosing, not a real group. */
    private static DhGroup fake(int bits, int tag) {
        return new DhGroup(BigInteger.ONE.shiftLeft(bits - 1).add(BigInteger.valueOf(2L * tag + 1)), BigInteger.TWO);
    }

    @Test
    void choosesTheSmallestGroupAtLeastThePreferredSize() {
        DhGroup a = fake(2048, 1);
        DhGroup b = fake(3072, 2);
        DhGroup c = fake(4096, 3);
        DhGroup d = fake(8192, 4);
        DhGroupSource src = DhGroupSource.of(List.of(d, b, a, c));
        SecureRandom rnd = new SecureRandom();
        assertSame(b, src.choose(2048, 3000, 8192, rnd));
        assertSame(c, src.choose(2048, 4096, 8192, rnd));
        assertSame(a, src.choose(2048, 2048, 8192, rnd));
        // nothing at least n: the largest that fits
        assertSame(c, src.choose(2048, 7000, 6000, rnd));
        assertSame(d, src.choose(2048, 9000, 9000, rnd));
        // nothing fits
        assertNull(src.choose(5000, 6000, 7000, rnd));
        assertNull(src.choose(1024, 1024, 2047, rnd));
    }

    @Test
    void neverChoosesAGroupBelow2048Bits() {
        DhGroup small = fake(1536, 1);
        DhGroupSource src = DhGroupSource.of(List.of(small, fake(2048, 2)));
        assertEquals(2048, src.choose(1024, 1024, 8192, new SecureRandom()).bits());
        assertNull(DhGroupSource.of(List.of(small)).choose(1024, 1536, 1536, new SecureRandom()));
    }

    @Test
    void choosesAtRandomAmongGroupsOfTheSameSize() {
        DhGroup a = fake(3072, 1);
        DhGroup b = fake(3072, 2);
        DhGroup c = fake(3072, 3);
        DhGroupSource src = DhGroupSource.of(List.of(a, fake(2048, 9), b, c, fake(4096, 9)));
        Set<DhGroup> seen = new HashSet<>();
        SecureRandom rnd = new SecureRandom();
        for (int i = 0; i < 300 && seen.size() < 3; i++) {
            DhGroup g = src.choose(2048, 3072, 3072, rnd);
            assertEquals(3072, g.bits());
            seen.add(g);
        }
        // each is missed in 300 draws with probability (2/3)^300
        assertEquals(Set.of(a, b, c), seen);
    }

    @Test
    void builtInSourceHasRfc3526Groups14To18() {
        List<DhGroup> groups = DhGroupSource.builtIn().groups();
        assertEquals(List.of(2048, 3072, 4096, 6144, 8192), groups.stream().map(DhGroup::bits).toList());
    }

    /** RFC 3526 §2 group 5 (1536 bits), which is below our floor: only used to make a too-small file. */
    private static final BigInteger RFC3526_GROUP5 = new BigInteger(
            "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
            + "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
            + "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
            + "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF", 16);
}

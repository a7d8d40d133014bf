package dev.tether.ssh.keys;

import dev.tether.ssh.keys.HostPatterns.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OpenSSH pattern lists (match.c semantics), address lists with CIDR, and from= host-or-address matching. */
class HostPatternsTest {

    private static InetAddress ip(String literal) throws Exception {
        // only literals are used: no name lookup happens
        return InetAddress.getByName(literal);
    }

    @ParameterizedTest(name = "\"{0}\" ~ \"{1}\" = {2}")
    @CsvSource(delimiter = '|', value = {
            "foo|foo|true",
            "foo|fo|false",
            "foo|foox|false",
            "foo|f*|true",
            "foo|*o|true",
            "foo|*|true",
            "''|*|true",
            "''|''|true",
            "''|?|false",
            "foo|f?o|true",
            "fo|f?o|false",
            "axxbyyc|a*b*c|true",
            "ab|a*b|true",
            "abc|a*b|false",
            "abcbc|a*bc|true",
            "mississippi|m*iss*ppi|true",
            "mississippi|m*iss*pi?|false",
            "host.example.com|*.example.com|true",
            "example.com|*.example.com|false",
            "192.168.0.7|192.168.0.?|true",
            "192.168.0.17|192.168.0.?|false",
            "Foo|foo|false"})
    void wildcards(String s, String pattern, boolean expected) {
        assertEquals(expected, HostPatterns.wildcardMatch(s, pattern));
    }

    @Test
    @Timeout(5)
    void wildcardMatchingIsNotExponential() {
        String s = "a".repeat(5000);
        assertFalse(HostPatterns.wildcardMatch(s, "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b"));
        assertTrue(HostPatterns.wildcardMatch(s + "b", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b"));
    }

    @Test
    void negationMakesTheWholeListFail() {
        // ssh_config(5) PATTERNS: a negated match never produces a positive result by itself
        assertEquals(Outcome.NO_MATCH, HostPatterns.matchList("host3", "!host1,!host2", true));
        assertEquals(Outcome.MATCH, HostPatterns.matchList("host3", "!host1,!host2,*", true));
        assertEquals(Outcome.NEGATED, HostPatterns.matchList("host1", "!host1,!host2,*", true));
        // the order of entries does not matter
        assertEquals(Outcome.NEGATED, HostPatterns.matchList("host1", "*,!host1", true));
        String list = "!*.dialup.example.com,*.example.com";
        assertEquals(Outcome.NEGATED, HostPatterns.matchList("p1.dialup.example.com", list, true));
        assertEquals(Outcome.MATCH, HostPatterns.matchList("www.example.com", list, true));
        assertEquals(Outcome.NO_MATCH, HostPatterns.matchList("www.example.org", list, true));
        assertFalse(HostPatterns.matchesHost("p1.dialup.example.com", list));
        assertTrue(HostPatterns.matchesHost("www.example.com", list));
    }

    @Test
    void hostNamesAreCaseInsensitive() {
        assertTrue(HostPatterns.matchesHost("WWW.Example.COM", "*.example.com"));
        assertTrue(HostPatterns.matchesHost("www.example.com", "*.EXAMPLE.com"));
        assertFalse(HostPatterns.matchesHost("BAD.example.com", "*.example.com,!bad.EXAMPLE.com"));
        assertEquals(Outcome.NO_MATCH, HostPatterns.matchList("WWW", "www", false), "case-sensitive when asked");
        assertEquals(Outcome.MATCH, HostPatterns.matchList("WWW", "www", true));
    }

    @Test
    void singleAndEmptyEntries() {
        assertTrue(HostPatterns.matchesHost("a", "a"));
        assertTrue(HostPatterns.matchesHost("b", "a,b,c"));
        assertFalse(HostPatterns.matchesHost("d", "a,b,c"));
        assertFalse(HostPatterns.matchesHost("a", ""));
        assertFalse(HostPatterns.matchesHost("a", "!a"));
    }

    @ParameterizedTest(name = "{0} in {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "192.168.1.5|192.168.0.0/16|MATCH",
            "192.169.1.5|192.168.0.0/16|NO_MATCH",
            "192.168.1.5|10.0.0.0/8|NO_MATCH",
            "192.168.1.5|10.0.0.0/8,192.168.1.5|MATCH",
            "192.168.1.5|192.168.1.5/32|MATCH",
            "192.168.1.5|!192.168.1.0/24,192.168.0.0/16|NEGATED",
            "192.168.2.5|!192.168.1.0/24,192.168.0.0/16|MATCH",
            "10.0.0.200|10.0.0.128/25|MATCH",
            "10.0.0.100|10.0.0.128/25|NO_MATCH",
            "10.0.0.1|10.0.0.0/31|MATCH",
            "10.0.0.2|10.0.0.0/31|NO_MATCH",
            "8.8.8.8|0.0.0.0/0|MATCH",
            "192.168.1.5|192.168.1.*|MATCH",
            "192.168.1.5|192.168.?.5|MATCH",
            "192.168.1.5|!192.168.1.*,*|NEGATED",
            "192.168.1.5|192.168.1.1/16|ERROR",
            "192.168.1.5|10.0.0.0/33|ERROR",
            "192.168.1.5|10.0.0.0/8,|ERROR",
            "192.168.1.5|!|ERROR",
            "2001:db8::1|2001:db8::/32|MATCH",
            "2001:db9::1|2001:db8::/32|NO_MATCH",
            "2001:db8:ffff:ffff::1|2001:db8::/32|MATCH",
            "2001:db8::1|!2001:db8::1,2001:db8::/32|NEGATED",
            "2001:db8::1|2001:db8::*|MATCH",
            "2001:db8::1|2001:db8::/129|NO_MATCH",
            "2001:db8::1|2001:db8::1/64|ERROR",
            "2001:db8::1|::/0|MATCH",
            "192.168.1.5|::/0|NO_MATCH",
            "2001:db8::1|0.0.0.0/0|NO_MATCH",
            "::ffff:192.168.1.5|192.168.0.0/16|MATCH",
            "::1|::1|MATCH",
            "not-an-address|*|NO_MATCH"})
    void addressLists(String address, String list, Outcome expected) {
        assertEquals(expected, HostPatterns.matchAddressList(address, list));
    }

    @Test
    void strictCidrListsForSourceAddress() throws Exception {
        assertTrue(HostPatterns.matchCidrList(ip("10.1.2.3"), "10.0.0.0/8"));
        assertTrue(HostPatterns.matchCidrList(ip("192.168.1.1"), "10.0.0.0/8,192.168.1.1"));
        assertTrue(HostPatterns.matchCidrList(ip("2001:db8::7"), "10.0.0.0/8,2001:db8::/48"));
        assertFalse(HostPatterns.matchCidrList(ip("192.168.1.2"), "10.0.0.0/8,192.168.1.1"));
        // no wildcards, negation, names, empty entries or inconsistent masks: the list fails
        assertFalse(HostPatterns.matchCidrList(ip("10.1.2.3"), "10.*"));
        assertFalse(HostPatterns.matchCidrList(ip("10.1.2.3"), "!192.168.0.0/16,10.0.0.0/8"));
        assertFalse(HostPatterns.matchCidrList(ip("10.1.2.3"), "host.example.com,10.0.0.0/8"));
        assertFalse(HostPatterns.matchCidrList(ip("10.1.2.3"), "10.0.0.0/8,"));
        assertFalse(HostPatterns.matchCidrList(ip("10.1.2.3"), "10.1.2.3/8"));
        assertFalse(HostPatterns.matchCidrList(null, "10.0.0.0/8"));
        assertTrue(HostPatterns.isValidCidrList("10.0.0.0/8,2001:db8::/32,192.0.2.1"));
        assertFalse(HostPatterns.isValidCidrList("10.0.0.1/8"));
        assertFalse(HostPatterns.isValidCidrList("*"));
    }

    @Test
    void fromMatchesTheHostNameOrTheAddress() throws Exception {
        InetAddress a = ip("10.1.2.3");
        String host = "client.example.com";
        assertTrue(HostPatterns.matchHostAndAddress(host, a, "*.example.com"), "host name matches");
        assertTrue(HostPatterns.matchHostAndAddress(host, a, "10.0.0.0/8"), "address matches by CIDR");
        assertTrue(HostPatterns.matchHostAndAddress(host, a, "10.1.2.*"), "address matches by wildcard");
        assertTrue(HostPatterns.matchHostAndAddress("CLIENT.Example.com", a, "client.example.com"), "case-insensitive");
        assertFalse(HostPatterns.matchHostAndAddress(host, a, "*.example.org,192.168.0.0/16"), "neither matches");
        assertFalse(HostPatterns.matchHostAndAddress(host, a, "*.example.com,!10.1.2.3"), "negated address wins");
        assertFalse(HostPatterns.matchHostAndAddress(host, a, "!client.example.com,10.0.0.0/8"), "negated host wins");
        assertFalse(HostPatterns.matchHostAndAddress(host, a, "!10.9.9.9"), "negation alone never matches");
        assertTrue(HostPatterns.matchHostAndAddress(host, a, "!10.9.9.9,*"));
        assertFalse(HostPatterns.matchHostAndAddress(host, a, "*.example.com,10.1.2.3/8"), "a malformed network fails closed");
        // without a host name (UseDNS no) the address text stands in for it
        assertTrue(HostPatterns.matchHostAndAddress(null, a, "10.1.2.3"));
        assertFalse(HostPatterns.matchHostAndAddress(null, a, "*.example.com"));
        // IPv6 clients
        InetAddress v6 = ip("2001:db8::42");
        assertTrue(HostPatterns.matchHostAndAddress(null, v6, "2001:db8::/32"));
        assertTrue(HostPatterns.matchHostAndAddress(null, v6, "2001:db8::42"));
        assertFalse(HostPatterns.matchHostAndAddress(null, v6, "10.0.0.0/8"));
        assertFalse(HostPatterns.matchHostAndAddress(null, v6, "2001:db8::/32,!2001:db8::42"));
        assertFalse(HostPatterns.matchHostAndAddress(host, null, "*"), "no address, no match");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "::1, ::1",
            "::, ::",
            "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "1:0:0:0:0:0:0:0, 1::",
            "FE80:0:0:0:0:0:0:ABCD, fe80::abcd",
            "::ffff:10.0.0.1, 10.0.0.1",
            "192.0.2.33, 192.0.2.33"})
    void formatsAddressesAsOpenSsh(String in, String out) {
        byte[] a = HostPatterns.parseAddress(in);
        assertNotNull(a, in);
        assertEquals(out, HostPatterns.format(a));
    }

    @ParameterizedTest
    @CsvSource({"1.2.3", "256.1.1.1", "1.2.3.4.5", "example.com", "1.2.3.-4", "1..2.3", "fe80::1%eth0", "12345::1", ".1:2::3", "''", "1.2.3.4/8"})
    void rejectsNonAddresses(String s) {
        assertNull(HostPatterns.parseAddress(s));
    }

    @Test
    void cidrParsing() {
        HostPatterns.Cidr c = HostPatterns.Cidr.parse("192.168.0.0/16");
        assertEquals(16, c.maskLength());
        assertArrayEquals(new byte[] {(byte) 192, (byte) 168, 0, 0}, c.network());
        assertEquals("192.168.0.0/16", c.toString());
        assertEquals(c, HostPatterns.Cidr.parse("192.168.0.0/16"));
        assertEquals(32, HostPatterns.Cidr.parse("10.0.0.1").maskLength());
        assertEquals(128, HostPatterns.Cidr.parse("::1").maskLength());
        assertNull(HostPatterns.Cidr.parse("*.example.com"));
        assertNull(HostPatterns.Cidr.parse("10.0.0.0/x"));
        assertNull(HostPatterns.Cidr.parse("10.0.0.0/"));
        assertThrows(IllegalArgumentException.class, () -> HostPatterns.Cidr.parse("10.0.0.1/24"));
        assertThrows(IllegalArgumentException.class, () -> HostPatterns.Cidr.parse("10.0.0.0/40"));
        byte[] net = c.network();
        net[0] = 0;
        assertEquals("192.168.0.0/16", c.toString(), "the record keeps its own copy");
    }
}

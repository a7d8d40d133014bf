package dev.tether.ssh.client;

import dev.tether.ssh.ExecResult;
import dev.tether.testkit.Peers;
import dev.tether.testkit.PrivateSshd;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshKeygen;
import dev.tether.testkit.TempDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SshClient} resolves destinations as OpenSSH's {@code ssh} does, and then connects.
 *
 * <p>A throwaway home holds a real-looking {@code ~/.ssh/config} (Host aliases and patterns,
 * negation, Match, Include, % tokens, IdentityFile, CertificateFile, ProxyJump, ProxyCommand,
 * algorithm lists). OpenSSH's {@code ssh -G} is run with that home as the user's home (ssh takes
 * it from the password database, so nss_wrapper gives it a passwd entry pointing there, and HOME
 * for its globs), and for each of more than a dozen destinations the test compares what ssh
 * resolved with {@link SshClient.Builder#settings()}: host name, port, user, identity and
 * certificate files, known_hosts files, agent, host key policy, timeouts, proxies and
 * algorithms. Then some of the same destinations are connected to a private sshd: directly,
 * through a jump host, with an encrypted key whose passphrase is asked only once the server
 * accepts its public half, with accept-new writing known_hosts, and with a changed host key that
 * must be refused naming the known_hosts line.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshClientConfigInteropTest {
    private static final Path NSS_WRAPPER = Path.of("/usr/lib/x86_64-linux-gnu/libnss_wrapper.so");
    private static final Duration WAIT = Duration.ofSeconds(60);

    private PrivateSshd sshd;
    private Path dir;
    private Path home;
    private String user;
    private Map<String, String> sshEnv;
    private Map<String, String> ourEnv;

    @BeforeAll
    void setUp() throws IOException {
        Peers.requireSsh();
        Peers.requireSshd();
        Peers.require(NSS_WRAPPER + " (Debian package libnss-wrapper)", Files.isRegularFile(NSS_WRAPPER));
        sshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519), List.of());
        dir = TempDirs.create("tether-client-config-");
        home = Files.createDirectories(dir.resolve("home"));
        Path ssh = Files.createDirectories(home.resolve(".ssh"));
        user = System.getProperty("user.name");

        // ssh(1) finds ~ in the password database: nss_wrapper gives this user a passwd entry with the throwaway home
        String uid = Processes.runOk(List.of("id", "-u"), Map.of(), null, WAIT).stdout().strip();
        String gid = Processes.runOk(List.of("id", "-g"), Map.of(), null, WAIT).stdout().strip();
        Path passwd = Files.writeString(dir.resolve("passwd"), user + ":x:" + uid + ":" + gid + ":test:" + home + ":/bin/sh\n");
        Path group = Files.writeString(dir.resolve("group"), "testgroup:x:" + gid + ":\n");
        sshEnv = new HashMap<>(Processes.withoutAgent(Map.of()));
        sshEnv.put("LD_PRELOAD", NSS_WRAPPER.toString());
        sshEnv.put("NSS_WRAPPER_PASSWD", passwd.toString());
        sshEnv.put("NSS_WRAPPER_GROUP", group.toString());
        sshEnv.put("HOME", home.toString());
        ourEnv = Map.of("HOME", home.toString());

        // the keys: one the server knows, one encrypted that it knows, one encrypted that it does not
        Files.copy(sshd.userKey(), ssh.resolve("id_work"));
        Files.copy(Path.of(sshd.userKey() + ".pub"), ssh.resolve("id_work.pub"));
        Path enc = SshKeygen.generateEncrypted(ssh, "id_enc", "ed25519", 0, "sesame");
        SshKeygen.generateEncrypted(ssh, "id_stranger", "ed25519", 0, "other");
        Files.writeString(sshd.authorizedKeys(), SshKeygen.pubLine(enc) + "\n", StandardCharsets.US_ASCII,
                StandardOpenOption.APPEND);
        Files.writeString(ssh.resolve("known_hosts"), sshd.knownHostsLine() + "\n");
        Path other = SshKeygen.generate(dir, "other_host_key", "ed25519", 0);
        Files.writeString(ssh.resolve("known_hosts_changed"), "# an old key\n[127.0.0.1]:" + sshd.port() + " "
                + SshKeygen.pubLine(other) + "\n");

        int port = sshd.port();
        Files.createDirectories(ssh.resolve("conf.d"));
        Files.writeString(ssh.resolve("conf.d/10-jumps.conf"), String.join("\n",
                "Host jumpy",
                "  HostName jumpy.example",
                "  ProxyJump ops@web:2222,web-2",
                "Host proxied",
                "  ProxyCommand nc %h %p",
                ""));
        Files.writeString(ssh.resolve("config"), String.join("\n",
                "# a real-looking user configuration",
                "Include conf.d/*.conf",
                "",
                "Host web web-*",
                "  HostName 127.0.0.1",
                "  Port " + port,
                "  User " + user,
                "  IdentityFile ~/.ssh/id_work",
                "  IdentitiesOnly yes",
                "",
                "Host enc",
                "  HostName 127.0.0.1",
                "  Port " + port,
                "  User " + user,
                "  IdentityFile ~/.ssh/id_stranger",
                "  IdentityFile ~/.ssh/id_enc",
                "  IdentitiesOnly yes",
                "",
                "Host fresh",
                "  HostName 127.0.0.1",
                "  Port " + port,
                "  User " + user,
                "  IdentityFile ~/.ssh/id_work",
                "  StrictHostKeyChecking accept-new",
                "  UserKnownHostsFile ~/.ssh/kh_%n",
                "",
                "Host changed",
                "  HostName 127.0.0.1",
                "  Port " + port,
                "  User " + user,
                "  IdentityFile ~/.ssh/id_work",
                "  UserKnownHostsFile ~/.ssh/known_hosts_changed",
                "",
                "Host behind",
                "  HostName 127.0.0.1",
                "  Port " + port,
                "  ProxyJump web",
                "  IdentityFile ~/.ssh/id_work",
                "  User " + user,
                "",
                "Host db?",
                "  HostName %h.internal.example",
                "  Port 2200",
                "  User dba",
                "  IdentityFile ~/.ssh/id_%r_%h",
                "  CertificateFile ~/.ssh/%r-cert.pub",
                "  ConnectTimeout 7",
                "",
                "Host !web* *.corp",
                "  User corpuser",
                "  StrictHostKeyChecking accept-new",
                "  UserKnownHostsFile ~/.ssh/known_hosts_corp ~/.ssh/kh_%n",
                "",
                "Match user ops",
                "  Port 2022",
                "  ServerAliveInterval 30",
                "",
                "Match originalhost quoted",
                "  HostName \"quoted.example\"",
                "  Ciphers aes128-ctr,aes256-gcm@openssh.com",
                "  MACs hmac-sha2-256-etm@openssh.com",
                "  KexAlgorithms curve25519-sha256",
                "  HostKeyAlgorithms ssh-ed25519,rsa-sha2-512",
                "  StrictHostKeyChecking no",
                "",
                "Host *",
                "  IdentityAgent ~/.ssh/agent.sock",
                "  ServerAliveInterval 15",
                "  BatchMode yes",
                ""));
    }

    @AfterAll
    void tearDown() {
        if (sshd != null) {
            sshd.close();
        }
        if (dir != null) {
            TempDirs.deleteTree(dir);
        }
    }

    /** The keywords compared for every destination. */
    private static final List<String> KEYS = List.of("user", "hostname", "port", "identityfile", "certificatefile",
            "userknownhostsfile", "globalknownhostsfile", "identitiesonly", "identityagent", "stricthostkeychecking",
            "hashknownhosts", "connecttimeout", "serveraliveinterval", "batchmode", "proxyjump", "proxycommand");

    @Test
    void resolvesADozenDestinationsAsSshGDoes() throws Exception {
        // nss_wrapper really gave ssh the throwaway home
        assertTrue(sshG("plain.example").get("userknownhostsfile").get(0).startsWith(home.toString()),
                "ssh -G under nss_wrapper should use " + home);
        List<String> destinations = List.of("web", "web-01", "alice@web-02", "db1", "db2", "ops@app.corp", "app.corp",
                "UPPER.Corp", "ssh://bob@web-9:2201", "quoted", "behind", "jumpy", "proxied", "10.1.2.3", "enc", "fresh");
        List<String> mismatches = new ArrayList<>();
        for (String d : destinations) {
            Map<String, List<String>> theirs = sshG(d);
            Map<String, List<String>> ours = ours(SshClient.builder(d).home(home).localUser(user).environment(ourEnv).settings());
            List<String> keys = new ArrayList<>(KEYS);
            if (d.equals("quoted")) {
                keys.addAll(List.of("ciphers", "macs", "kexalgorithms", "hostkeyalgorithms"));
            }
            for (String k : keys) {
                List<String> expected = theirs.getOrDefault(k, List.of());
                if (k.equals("identityfile") || k.equals("certificatefile")) {
                    expected = expected.stream().map(v -> expand(v, theirs)).toList();
                }
                List<String> actual = ours.getOrDefault(k, List.of());
                if (!expected.equals(actual)) {
                    mismatches.add(d + ": " + k + ": ssh -G " + expected + ", SshClient " + actual);
                }
            }
        }
        assertEquals(List.of(), mismatches);
    }

    @Test
    void connectsThroughTheConfigDirectlyAndThroughAJumpHost() throws Exception {
        try (SshClient c = client("web").connect()) {
            ExecResult r = c.exec("echo direct; echo $SSH_CONNECTION", WAIT);
            assertEquals(0, r.exitStatus(), r.stderrText());
            assertTrue(r.stdoutText().startsWith("direct\n127.0.0.1 "), r.stdoutText());
            assertEquals(sshd.port(), c.settings().port());
        }
        long mark = sshd.logMark();
        try (SshClient c = client("behind").connect()) {
            ExecResult r = c.exec("echo behind", WAIT);
            assertEquals("behind\n", r.stdoutText());
        }
        // the jump: the target connection went through a direct-tcpip channel of the first
        assertTrue(sshd.logSince(mark).contains("direct-tcpip"), sshd.logSince(mark));
    }

    @Test
    void anEncryptedKeyIsDecryptedOnlyOnceTheServerAcceptsIt() throws Exception {
        List<Path> asked = new ArrayList<>();
        ClientPrompts prompts = new ClientPrompts() {
            @Override
            public boolean interactive() {
                return true;
            }

            @Override
            public char[] passphrase(Path key, int attempt) {
                asked.add(key);
                return "sesame".toCharArray();
            }
        };
        // BatchMode yes in "Host *" would forbid asking; the command line's -o wins
        try (SshClient c = client("enc").option("BatchMode=no").prompts(prompts).connect()) {
            assertEquals("ok\n", c.exec("echo ok", WAIT).stdoutText());
        }
        // id_stranger (listed first, encrypted too) was offered by its public half and refused: never asked for
        assertEquals(List.of(home.resolve(".ssh/id_enc")), asked);
    }

    @Test
    void acceptNewWritesKnownHostsAndAChangedKeyIsRefusedNamingTheLine() throws Exception {
        Path kh = home.resolve(".ssh/kh_fresh");
        Files.deleteIfExists(kh);
        AtomicInteger warnings = new AtomicInteger();
        ClientPrompts counting = new ClientPrompts() {
            @Override
            public void warning(String message) {
                if (message.startsWith("Warning: Permanently added '[127.0.0.1]:" + sshd.port() + "'")) {
                    warnings.incrementAndGet();
                }
            }
        };
        try (SshClient c = client("fresh").prompts(counting).connect()) {
            assertTrue(c.isOpen());
        }
        assertEquals(1, warnings.get());
        List<String> lines = Files.readAllLines(kh);
        assertEquals(1, lines.size(), lines.toString());
        String key = new String(Files.readAllBytes(sshd.hostKeyPub()), StandardCharsets.US_ASCII).split(" ")[1];
        assertTrue(lines.get(0).endsWith(" ssh-ed25519 " + key), lines.get(0));
        // Debian's /etc/ssh/ssh_config says HashKnownHosts yes, and ssh(1) would hash the name too
        boolean hashed = client("fresh").settings().hashKnownHosts();
        assertEquals(hashed, lines.get(0).startsWith("|1|"), lines.get(0));
        if (!hashed) {
            assertTrue(lines.get(0).startsWith("[127.0.0.1]:" + sshd.port() + " "), lines.get(0));
        }
        try (SshClient c = client("fresh").prompts(counting).connect()) {
            assertTrue(c.isOpen());
        }
        assertEquals(1, warnings.get(), "a known key is not added again");

        // the default, StrictHostKeyChecking ask, with nobody to ask: refused, saying what to do
        HostKeyException unknown = assertThrows(HostKeyException.class,
                () -> client("web").option("UserKnownHostsFile=" + home.resolve(".ssh/kh_empty")).connect());
        assertEquals(HostKeyException.Kind.UNKNOWN, unknown.kind());
        assertTrue(unknown.getMessage().startsWith("No ED25519 host key is known for [127.0.0.1]:" + sshd.port()
                + " (its fingerprint is SHA256:"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("accept-new"), unknown.getMessage());
        assertFalse(Files.exists(home.resolve(".ssh/kh_empty")), "nothing was written");

        HostKeyException e = assertThrows(HostKeyException.class, () -> client("changed").connect());
        assertEquals(HostKeyException.Kind.CHANGED, e.kind());
        assertTrue(e.getMessage().contains("REMOTE HOST IDENTIFICATION HAS CHANGED"), e.getMessage());
        assertTrue(e.getMessage().contains("Offending ED25519 key in " + home.resolve(".ssh/known_hosts_changed") + ":2"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("Host key verification failed."), e.getMessage());
    }

    @Test
    void concurrentAcceptNewClientsLeaveAWellFormedKnownHostsFile() throws Exception {
        Path kh = home.resolve(".ssh/kh_crowd");
        Files.deleteIfExists(kh);
        int n = 8;
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            List<java.util.concurrent.Future<String>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                results.add(threads.submit(() -> {
                    // "fresh" with its own known_hosts file: accept-new, and nothing known yet
                    try (SshClient c = client("fresh").option("UserKnownHostsFile=" + kh).connect()) {
                        return c.exec("echo in", WAIT).stdoutText();
                    }
                }));
            }
            for (java.util.concurrent.Future<String> f : results) {
                assertEquals("in\n", f.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
            }
        } finally {
            threads.shutdownNow();
        }
        // each client that found the key unknown appended one whole line under the file lock: none torn or interleaved
        String key = new String(Files.readAllBytes(sshd.hostKeyPub()), StandardCharsets.US_ASCII).split(" ")[1];
        List<String> lines = Files.readAllLines(kh);
        assertTrue(!lines.isEmpty() && lines.size() <= n, lines.toString());
        for (String line : lines) {
            assertTrue(line.endsWith(" ssh-ed25519 " + key) && line.split(" ").length == 3, line);
        }
        // and the file works: a strict client now accepts the host
        try (SshClient c = client("fresh").option("UserKnownHostsFile=" + kh).option("StrictHostKeyChecking=yes").connect()) {
            assertTrue(c.isOpen());
        }
    }

    @Test
    void everyFailureIsADocumentedExceptionInOpenSshWords() throws Exception {
        ConfigException bad = assertThrows(ConfigException.class, () -> client("web").option("Port=none").connect());
        assertTrue(bad.getMessage().contains("Bad port 'none'"), bad.getMessage());
        dev.tether.ssh.common.AuthenticationException denied = assertThrows(
                dev.tether.ssh.common.AuthenticationException.class,
                () -> client("web").option("IdentityFile=~/.ssh/id_stranger").option("IdentitiesOnly=yes")
                        .option("PubkeyAuthentication=no").connect());
        assertTrue(denied.getMessage().startsWith(user + "@127.0.0.1: Permission denied ("), denied.getMessage());
        java.net.UnknownHostException unknown = assertThrows(java.net.UnknownHostException.class,
                () -> client("no-such-host.invalid").connect());
        assertTrue(unknown.getMessage().startsWith("Could not resolve hostname no-such-host.invalid"), unknown.getMessage());
    }

    private SshClient.Builder client(String destination) {
        return SshClient.builder(destination).home(home).localUser(user).environment(ourEnv).timeout(WAIT);
    }

    /** ssh -G's output: keyword to values (a repeated keyword has several). */
    private Map<String, List<String>> sshG(String destination) throws IOException {
        Processes.Result r = Processes.run(List.of(Peers.SSH.toString(), "-G", destination), sshEnv, null, dir, WAIT);
        assertEquals(0, r.exitCode(), r.describe());
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String line : r.stdout().split("\n")) {
            int sp = line.indexOf(' ');
            if (sp > 0) {
                out.computeIfAbsent(line.substring(0, sp), k -> new ArrayList<>()).add(line.substring(sp + 1));
            }
        }
        return out;
    }

    /** The same keywords from our settings, in ssh -G's words. */
    private static Map<String, List<String>> ours(ClientSettings s) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("user", List.of(s.user()));
        m.put("hostname", List.of(s.hostName()));
        m.put("port", List.of(Integer.toString(s.port())));
        m.put("identityfile", s.identityFiles().stream().map(Path::toString).toList());
        m.put("certificatefile", s.certificateFiles().stream().map(Path::toString).toList());
        m.put("userknownhostsfile", List.of(String.join(" ", s.knownHosts().stream().map(Path::toString).toList())));
        m.put("globalknownhostsfile", List.of(String.join(" ", s.globalKnownHosts().stream().map(Path::toString).toList())));
        m.put("identitiesonly", List.of(s.identitiesOnly() ? "yes" : "no"));
        m.put("identityagent", List.of(s.identityAgent()));
        m.put("stricthostkeychecking", List.of(s.strictHostKeyChecking().configValue()));
        m.put("hashknownhosts", List.of(s.hashKnownHosts() ? "yes" : "no"));
        m.put("connecttimeout", List.of(s.connectTimeout() == null ? "none" : Long.toString(s.connectTimeout().toSeconds())));
        m.put("serveraliveinterval", List.of(Long.toString(s.serverAliveInterval().toSeconds())));
        m.put("batchmode", List.of(s.batchMode() ? "yes" : "no"));
        if (s.proxyJump() != null) {
            m.put("proxyjump", List.of(s.proxyJump()));
        }
        if (s.proxyCommand() != null) {
            m.put("proxycommand", List.of(s.proxyCommand()));
        }
        m.put("ciphers", List.of(String.join(",", s.ciphers())));
        m.put("macs", List.of(String.join(",", s.macs())));
        m.put("kexalgorithms", List.of(String.join(",", s.kexAlgorithms())));
        if (s.hostKeyAlgorithms() != null) {
            m.put("hostkeyalgorithms", List.of(String.join(",", s.hostKeyAlgorithms())));
        }
        return m;
    }

    /** ssh -G prints IdentityFile and CertificateFile unexpanded: expand them with ssh's own values. */
    private String expand(String v, Map<String, List<String>> theirs) {
        String s = v.replace("%%", "\0")
                .replace("%r", theirs.get("user").get(0))
                .replace("%h", theirs.get("hostname").get(0))
                .replace("%n", theirs.get("host").get(0))
                .replace("%p", theirs.get("port").get(0))
                .replace("%d", home.toString())
                .replace("%u", user)
                .replace("\0", "%");
        return s.startsWith("~/") ? home.resolve(s.substring(2)).toString() : s;
    }
}

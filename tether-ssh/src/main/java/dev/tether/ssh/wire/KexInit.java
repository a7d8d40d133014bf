package dev.tether.ssh.wire;

import dev.tether.ssh.common.SshException;

import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import java.util.List;

/**
 * SSH_MSG_KEXINIT, RFC 4253 §7.1.
 *
 * <pre>
 *   byte         SSH_MSG_KEXINIT
 *   byte[16]     cookie (random bytes)
 *   name-list    kex_algorithms
 *   name-list    server_host_key_algorithms
 *   name-list    encryption_algorithms_client_to_server
 *   name-list    encryption_algorithms_server_to_client
 *   name-list    mac_algorithms_client_to_server
 *   name-list    mac_algorithms_server_to_client
 *   name-list    compression_algorithms_client_to_server
 *   name-list    compression_algorithms_server_to_client
 *   name-list    languages_client_to_server
 *   name-list    languages_server_to_client
 *   boolean      first_kex_packet_follows
 *   uint32       0 (reserved for future extension)
 * </pre>
 */
public record KexInit(byte[] cookie,
                      List<String> kex,
                      List<String> hostKey,
                      List<String> ciphersC2S,
                      List<String> ciphersS2C,
                      List<String> macsC2S,
                      List<String> macsS2C,
                      List<String> compressionC2S,
                      List<String> compressionS2C,
                      List<String> languagesC2S,
                      List<String> languagesS2C,
                      boolean firstKexPacketFollows) {

    public byte[] encode() {
        SshWriter w = new SshWriter(1024);
        w.byteValue(MessageNumbers.KEXINIT).raw(cookie);
        w.nameList(kex).nameList(hostKey)
                .nameList(ciphersC2S).nameList(ciphersS2C)
                .nameList(macsC2S).nameList(macsS2C)
                .nameList(compressionC2S).nameList(compressionS2C)
                .nameList(languagesC2S).nameList(languagesS2C)
                .bool(firstKexPacketFollows).uint32(0);
        return w.toByteArray();
    }

    /** Decodes a whole KEXINIT payload, including its message number. */
    public static KexInit decode(byte[] payload) throws SshException {
        SshReader r = new SshReader(payload);
        if (r.byteValue() != MessageNumbers.KEXINIT) {
            throw new SshException("not a KEXINIT");
        }
        byte[] cookie = r.raw(16);
        KexInit k = new KexInit(cookie, r.nameList(), r.nameList(), r.nameList(), r.nameList(), r.nameList(),
                r.nameList(), r.nameList(), r.nameList(), r.nameList(), r.nameList(), r.bool());
        r.uint32(); // reserved; RFC 4253 says ignore its value
        return k;
    }
}

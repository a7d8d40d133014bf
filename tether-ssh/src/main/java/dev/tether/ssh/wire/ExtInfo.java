package dev.tether.ssh.wire;

import dev.tether.ssh.common.SshException;

import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SSH_MSG_EXT_INFO, RFC 8308 §2.3: {@code uint32 nr-extensions} followed by that many
 * {@code string name || string value} pairs. Values are opaque bytes; the ones we use
 * ({@code server-sig-algs}, {@code ping@openssh.com}) are ASCII.
 */
public record ExtInfo(Map<String, String> extensions) {
    /** More than this many extensions is treated as hostile. */
    static final int MAX_EXTENSIONS = 64;

    public byte[] encode() {
        SshWriter w = new SshWriter(256).byteValue(MessageNumbers.EXT_INFO).uint32(extensions.size());
        for (Map.Entry<String, String> e : extensions.entrySet()) {
            w.string(e.getKey()).string(e.getValue());
        }
        return w.toByteArray();
    }

    public static ExtInfo decode(SshReader r) throws SshException {
        long n = r.uint32AsLong();
        if (n > MAX_EXTENSIONS) {
            throw new SshException("EXT_INFO lists " + n + " extensions, more than " + MAX_EXTENSIONS);
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String name = r.ascii();
            String value = new String(r.string(), StandardCharsets.UTF_8);
            m.put(name, value);
        }
        return new ExtInfo(Map.copyOf(m));
    }
}

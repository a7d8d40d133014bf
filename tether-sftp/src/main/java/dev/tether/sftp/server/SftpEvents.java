package dev.tether.sftp.server;

import dev.tether.ssh.common.ConnectionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file operations of SFTP and SCP sessions as lines of the server's event log (the slf4j
 * logger {@code dev.tether.ssh.events}, like OpenSSH's {@code sftp-server -l INFO}): each open and
 * close (with bytes read and written), remove, rename, mkdir, rmdir, setstat, link, and each
 * refusal. A line starts with the connection ({@code #ID ADDR:PORT}, or {@code stdio} for
 * {@code tether sftp-server}), then {@code sftp} or {@code scp} and the user:
 *
 * <pre>
 *   #3 127.0.0.1:40112 sftp alice open "/data/a b.txt" flags WRITE,CREATE,TRUNCATE mode 0644
 *   #3 127.0.0.1:40112 sftp alice close "/data/a b.txt" bytes read 0 written 1048576
 *   #3 127.0.0.1:40112 sftp alice refused remove /etc/passwd: read-only
 * </pre>
 *
 * Client-supplied names are quoted with control characters escaped. Thread-safe.
 */
public final class SftpEvents {
    private static final Logger log = LoggerFactory.getLogger("dev.tether.ssh.events");
    private final String prefix;

    public SftpEvents(String protocol, String user, ConnectionInfo connection) {
        String tag = connection == null ? "stdio" : "#" + connection.id() + " " + connection.remoteHost() + ":" + connection.remotePort();
        this.prefix = tag + " " + protocol + (user == null ? "" : " " + quote(user));
    }

    public boolean enabled() {
        return log.isInfoEnabled();
    }

    /** Logs {@code prefix + " " + text}; text must already have its names quoted. */
    public void event(String text) {
        if (log.isInfoEnabled()) {
            log.info("{} {}", prefix, text);
        }
    }

    /** Client-supplied text, control characters escaped, quoted when it has spaces, quotes or is empty. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        boolean needQuotes = s.isEmpty();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else if (c == '"' || c == '\\') {
                b.append('\\').append(c);
                needQuotes = true;
            } else {
                if (c == ' ') {
                    needQuotes = true;
                }
                b.append(c);
            }
        }
        return needQuotes ? "\"" + b + "\"" : b.toString();
    }
}

package dev.tether.ssh.wire;

import dev.tether.ssh.common.SshWriter;

/**
 * The data a publickey signature covers, RFC 4252 §7, and its
 * {@code publickey-hostbound-v00@openssh.com} variant (OpenSSH PROTOCOL §2.5), which appends
 * the server's host key. The one definition of the layout, used by the client to sign and by the
 * server to verify.
 *
 * <pre>
 *   string    session identifier
 *   byte      SSH_MSG_USERAUTH_REQUEST
 *   string    user name
 *   string    service name
 *   string    "publickey" (or "publickey-hostbound-v00@openssh.com")
 *   boolean   TRUE
 *   string    public key algorithm name
 *   string    public key to be used for authentication
 *   string    server host key (hostbound only)
 * </pre>
 *
 * @param hostKey the server host key blob for the hostbound method; null for plain publickey
 */
public record PublickeySignedData(byte[] sessionId, String user, String service, String algorithm,
                                  byte[] blob, byte[] hostKey) {

    public byte[] encode() {
        SshWriter w = new SshWriter(512).string(sessionId);
        new UserAuthRequest(user, service, new UserAuthRequest.PublickeyAuth(true, algorithm, blob, hostKey, null))
                .encode(w);
        return w.toByteArray();
    }
}

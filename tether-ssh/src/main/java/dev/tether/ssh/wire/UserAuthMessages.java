package dev.tether.ssh.wire;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The replies and method specific messages of the user authentication protocol: RFC 4252 §5.1
 * (FAILURE, SUCCESS), §5.4 (BANNER), §7 (PK_OK), §8 (PASSWD_CHANGEREQ) and RFC 4256 §3.2–3.4
 * (INFO_REQUEST, INFO_RESPONSE). The request is {@link UserAuthRequest}.
 *
 * <p>PK_OK, PASSWD_CHANGEREQ and INFO_REQUEST share number 60: which one a 60 is depends on the
 * method in progress, so the caller picks the decoder. Each {@code decode} reads the body after
 * the message number.
 */
public final class UserAuthMessages {
    private UserAuthMessages() {
    }

    /** More prompts than this in one INFO_REQUEST is treated as hostile. */
    public static final int MAX_PROMPTS = 64;

    /** RFC 4252 §5.1: {@code name-list authentications that can continue || boolean partial success}. */
    public record Failure(List<String> methods, boolean partialSuccess) {
        public byte[] encode() {
            return new SshWriter(64).byteValue(MessageNumbers.USERAUTH_FAILURE).nameList(methods).bool(partialSuccess)
                    .toByteArray();
        }

        public static Failure decode(SshReader r) throws SshException {
            List<String> methods = r.nameList();
            return new Failure(methods, r.bool());
        }
    }

    /** RFC 4252 §5.1: no fields. */
    public record Success() {
        public byte[] encode() {
            return new byte[]{(byte) MessageNumbers.USERAUTH_SUCCESS};
        }
    }

    /**
     * RFC 4252 §5.4: {@code string message (UTF-8) || string language tag}. Decoding is lenient, as
     * clients must be with text only shown to people: invalid UTF-8 is replaced, and a missing or
     * malformed language tag reads as {@code ""}.
     */
    public record Banner(String message, String language) {
        public byte[] encode() {
            return new SshWriter(message.length() + 16).byteValue(MessageNumbers.USERAUTH_BANNER)
                    .string(message).string(language).toByteArray();
        }

        public static Banner decode(SshReader r) throws SshException {
            String message = new String(r.string(), StandardCharsets.UTF_8);
            return new Banner(message, r.optionalUtf8Lenient());
        }
    }

    /** RFC 4252 §7: {@code string algorithm || string key blob}, echoing the query. */
    public record PkOk(String algorithm, byte[] blob) {
        public byte[] encode() {
            return new SshWriter(blob.length + 64).byteValue(MessageNumbers.USERAUTH_PK_OK)
                    .string(algorithm).string(blob).toByteArray();
        }

        public static PkOk decode(SshReader r) throws SshException {
            String alg = r.ascii();
            return new PkOk(alg, r.string());
        }
    }

    /** RFC 4252 §8: {@code string prompt (UTF-8) || string language tag}; decoded leniently, as shown to people. */
    public record PasswdChangeReq(String prompt, String language) {
        public byte[] encode() {
            return new SshWriter(128).byteValue(MessageNumbers.USERAUTH_PASSWD_CHANGEREQ)
                    .string(prompt).string(language).toByteArray();
        }

        public static PasswdChangeReq decode(SshReader r) throws SshException {
            String prompt = new String(r.string(), StandardCharsets.UTF_8);
            return new PasswdChangeReq(prompt, new String(r.string(), StandardCharsets.UTF_8));
        }
    }

    /**
     * RFC 4256 §3.2: {@code string name || string instruction || string language tag ||
     * int num-prompts} followed by that many {@code string prompt || boolean echo}. At most
     * {@link #MAX_PROMPTS} prompts are accepted.
     */
    public record InfoRequest(String name, String instruction, String language, List<Prompt> prompts) {
        public record Prompt(String text, boolean echo) {
        }

        public byte[] encode() {
            SshWriter w = new SshWriter(256).byteValue(MessageNumbers.USERAUTH_INFO_REQUEST)
                    .string(name).string(instruction).string(language).uint32(prompts.size());
            for (Prompt p : prompts) {
                w.string(p.text()).bool(p.echo());
            }
            return w.toByteArray();
        }

        public static InfoRequest decode(SshReader r) throws SshException {
            String name = r.utf8();
            String instruction = r.utf8();
            String language = r.utf8();
            long n = r.uint32AsLong();
            if (n > MAX_PROMPTS) {
                throw new SshException(DisconnectReason.PROTOCOL_ERROR, "INFO_REQUEST with " + n + " prompts");
            }
            List<Prompt> prompts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String text = r.utf8();
                prompts.add(new Prompt(text, r.bool()));
            }
            return new InfoRequest(name, instruction, language, List.copyOf(prompts));
        }
    }

    /**
     * RFC 4256 §3.4: {@code int num-responses} followed by that many {@code string response}.
     * The encoder wipes its working buffer, since responses are often passwords.
     */
    public record InfoResponse(List<String> responses) {
        public byte[] encode() {
            SshWriter w = new SshWriter(128).byteValue(MessageNumbers.USERAUTH_INFO_RESPONSE).uint32(responses.size());
            responses.forEach(w::string);
            byte[] out = w.toByteArray();
            w.wipe();
            return out;
        }

        /**
         * Decodes a response to an INFO_REQUEST of {@code expectedPrompts} prompts: any other count
         * is a protocol error (§3.4), found before any response is read; nothing may follow.
         */
        public static InfoResponse decode(SshReader r, int expectedPrompts) throws SshException {
            long n = r.uint32AsLong();
            if (n != expectedPrompts) {
                throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                        "USERAUTH_INFO_RESPONSE has " + n + " responses for " + expectedPrompts + " prompts");
            }
            List<String> responses = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                responses.add(r.utf8());
            }
            r.expectEnd("USERAUTH_INFO_RESPONSE");
            return new InfoResponse(responses);
        }
    }
}

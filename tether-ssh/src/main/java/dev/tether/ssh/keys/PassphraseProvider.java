package dev.tether.ssh.keys;

/**
 * Supplies the passphrase of an encrypted private key file, for
 * {@link KeyFiles#readPrivateKey(java.nio.file.Path, PassphraseProvider)}. It is asked only when
 * the key is encrypted, at most once per read.
 *
 * <p>The caller of {@link #passphrase} takes ownership of the returned array and overwrites it
 * once the key is decrypted (or decryption failed), so an implementation must return a fresh
 * array each time.
 */
@FunctionalInterface
public interface PassphraseProvider {
    /**
     * The passphrase for the key file {@code sourceName} (a path, for display in a prompt), or
     * null to give up reading it.
     *
     * @param sourceName the key file's name
     * @return the passphrase (the reader overwrites it with zeros after use), or null
     */
    char[] passphrase(String sourceName);

    /**
     * A provider for keys that are expected to be unencrypted: it never gives a passphrase.
     *
     * @return a provider answering null
     */
    static PassphraseProvider none() {
        return source -> null;
    }

    /**
     * A provider that always answers with a copy of {@code passphrase} (copied now, too).
     *
     * @param passphrase the passphrase; copied
     * @return a provider answering a fresh copy each time
     */
    static PassphraseProvider of(char[] passphrase) {
        char[] copy = passphrase.clone();
        return source -> copy.clone();
    }
}

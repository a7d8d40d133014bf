/**
 * Credentials: for servers the checkers a {@code Portal} asks
 * ({@link dev.tether.ssh.auth.PasswordChecker}, {@link dev.tether.ssh.auth.PublicKeyChecker},
 * {@link dev.tether.ssh.auth.HtpasswdFile}, {@link dev.tether.ssh.auth.AuthorizedKeysChecker});
 * for clients the keys they offer ({@link dev.tether.ssh.auth.Signer}) and the prompts they answer
 * ({@link dev.tether.ssh.auth.KeyboardInteractiveHandler},
 * {@link dev.tether.ssh.auth.PasswordChanger}). API; the protocol itself is the engine's
 * {@code userauth} package.
 */
package dev.tether.ssh.auth;

/**
 * The transport layer (RFC 4253): {@link dev.tether.ssh.transport.TransportEngine} with its reader
 * and writer threads, the key exchange driver ({@code KeyExchanger}) and the teardown
 * ({@code Lifecycle}); identification, binary packets, ciphers and MACs, compression, negotiation,
 * key derivation, the outbound queue, and the PROXY protocol. The layers above see it as a
 * {@link dev.tether.ssh.transport.PacketConnection}. Engine: not exported.
 */
package dev.tether.ssh.transport;

#!/usr/bin/python3
"""Independent packet-level known answers for Tether's SSH packet ciphers.

Computes, with the Python `cryptography` package (not with Tether's code), the exact wire bytes
of two consecutive packets (sequence numbers 0xffffffff then 0, so the vectors also cover the
sequence number wrap) for every cipher/MAC combination that Tether implements. The output is
Java source lines that were pasted into PacketKnownAnswerTest.java.

How it was run (from the repository root, Debian 12, python3-cryptography 38.0.4 as installed
as a paramiko dependency):

    /usr/bin/python3 tether-ssh/src/test/resources/vectors/packet_vectors.py

Specifications followed:
  * aesNNN-ctr: RFC 4344 §4 (one continuous CTR key stream across packets, IV = initial
    128-bit counter). Encrypt-and-MAC (RFC 4253 §6.4): MAC(seq || plaintext packet), whole
    packet encrypted, padded so 4 + packet_length is a multiple of 16.
  * *-etm@openssh.com: OpenSSH PROTOCOL §1.5: length in clear, MAC(seq || length ||
    ciphertext), padded so packet_length is a multiple of 16.
  * aesNNN-gcm@openssh.com: RFC 5647 / PROTOCOL §1.6: nonce = 4-byte fixed || 8-byte counter
    (incremented per packet, mod 2^64), length in clear as AAD, 16-byte tag.
  * chacha20-poly1305@openssh.com: PROTOCOL.chacha20poly1305: key = K_2 || K_1, nonce = seq as
    uint64 big-endian, length under K_1 block 0, Poly1305 key = K_2 block 0 [0:32], payload
    under K_2 from block 1, tag = Poly1305(encrypted length || ciphertext); padded so
    packet_length is a multiple of 8. `cryptography`'s ChaCha20 takes a 16-byte "nonce" that is
    the original DJB layout: 8-byte little-endian block counter || 8-byte nonce.
"""

import hmac as std_hmac  # only for the HMAC; everything else is `cryptography`

from cryptography.hazmat.primitives import poly1305
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEQS = [0xFFFFFFFF, 0]

# Payloads: an SSH_MSG_SERVICE_REQUEST "ssh-userauth", then 40 bytes of SSH_MSG_IGNORE-ish data.
PAYLOADS = [
    bytes([5]) + (12).to_bytes(4, "big") + b"ssh-userauth",
    bytes([2]) + (35).to_bytes(4, "big") + bytes((0x30 + i) & 0xFF for i in range(35)),
]


def pattern(n, start, step):
    return bytes((start + step * i) & 0xFF for i in range(n))


def cipher_key(n):
    return pattern(n, 0x01, 7)


def mac_key(n):
    return pattern(n, 0x80, 3)


CTR_IV = bytes.fromhex("0001020304050607fffffffffffffffe")  # carries across the low 64 bits
GCM_IV = {
    "aes128-gcm@openssh.com": bytes.fromhex("c0c1c2c3ffffffffffffffff"),  # counter wraps to 0
    "aes256-gcm@openssh.com": bytes.fromhex("d0d1d2d300000000000000ff"),  # carry into byte 10
}
CHACHA_KEY = pattern(64, 0x02, 5)


def packet(payload, block, length_excluded):
    """uint32 packet_length || byte padding_length || payload || padding (padding = a0 a1 ...)."""
    pad = 4
    while True:
        covered = 1 + len(payload) + pad + (0 if length_excluded else 4)
        if covered % block == 0:
            break
        pad += 1
    padding = pattern(pad, 0xA0, 1)
    body = bytes([pad]) + payload + padding
    return len(body).to_bytes(4, "big") + body


HMACS = {
    "hmac-sha2-256": ("sha256", 32),
    "hmac-sha2-512": ("sha512", 64),
    "hmac-sha1": ("sha1", 20),
}


def ctr_packets(cipher, mac):
    key_len = {"aes128-ctr": 16, "aes192-ctr": 24, "aes256-ctr": 32}[cipher]
    etm = mac.endswith("-etm@openssh.com")
    digest, mac_len = HMACS[mac.replace("-etm@openssh.com", "")]
    mk = mac_key(mac_len)
    enc = Cipher(algorithms.AES(cipher_key(key_len)), modes.CTR(CTR_IV)).encryptor()
    out = []
    for seq, payload in zip(SEQS, PAYLOADS):
        pt = packet(payload, 16, etm)
        seqb = seq.to_bytes(4, "big")
        if etm:
            ct = enc.update(pt[4:])
            wire = pt[:4] + ct
            tag = std_hmac.new(mk, seqb + wire, digest).digest()
        else:
            tag = std_hmac.new(mk, seqb + pt, digest).digest()
            wire = enc.update(pt)
        out.append(wire + tag)
    return out


def gcm_packets(cipher):
    key_len = {"aes128-gcm@openssh.com": 16, "aes256-gcm@openssh.com": 32}[cipher]
    aead = AESGCM(cipher_key(key_len))
    iv = GCM_IV[cipher]
    fixed, counter = iv[:4], int.from_bytes(iv[4:], "big")
    out = []
    for payload in PAYLOADS:
        pt = packet(payload, 16, True)
        nonce = fixed + counter.to_bytes(8, "big")
        out.append(pt[:4] + aead.encrypt(nonce, pt[4:], pt[:4]))
        counter = (counter + 1) % (1 << 64)
    return out


def chacha(key, counter, seq):
    nonce16 = counter.to_bytes(8, "little") + seq.to_bytes(8, "big")
    return Cipher(algorithms.ChaCha20(key, nonce16), mode=None).encryptor()


def chacha_packets():
    k2, k1 = CHACHA_KEY[:32], CHACHA_KEY[32:]
    out = []
    for seq, payload in zip(SEQS, PAYLOADS):
        pt = packet(payload, 8, True)
        enc_len = chacha(k1, 0, seq).update(pt[:4])
        poly_key = chacha(k2, 0, seq).update(bytes(32))
        ct = chacha(k2, 1, seq).update(pt[4:])
        tag = poly1305.Poly1305.generate_tag(poly_key, enc_len + ct)
        out.append(enc_len + ct + tag)
    return out


def main():
    print("// plaintext packets: (block 16, length included), (16, excluded), (8, excluded)")
    for block, excluded in [(16, False), (16, True), (8, True)]:
        print("//   " + ", ".join(packet(p, block, excluded).hex() for p in PAYLOADS))
    rows = []
    for cipher in ["aes128-ctr", "aes192-ctr", "aes256-ctr"]:
        for mac in ["hmac-sha2-256", "hmac-sha2-512", "hmac-sha1",
                    "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com",
                    "hmac-sha1-etm@openssh.com"]:
            rows.append((cipher, mac, ctr_packets(cipher, mac)))
    for cipher in ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com"]:
        rows.append((cipher, None, gcm_packets(cipher)))
    rows.append(("chacha20-poly1305@openssh.com", None, chacha_packets()))
    for cipher, mac, wires in rows:
        mac_s = "null" if mac is None else '"' + mac + '"'
        print('        v("%s", %s,' % (cipher, mac_s))
        print('                "%s",' % wires[0].hex())
        print('                "%s"),' % wires[1].hex())


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Independent computation of whole-exchange known answers for KexKnownAnswerTest.

Run with /usr/bin/python3 (needs the 'cryptography' package for X25519 and P-256; the
Diffie-Hellman groups use plain Python integers). The MODP primes are rebuilt here from the
formula of RFC 3526 with pi computed by Machin's formula, not copied from the Java sources.
The printed values are hard-coded in KexKnownAnswerTest.java.

Exchange hashes:
  ECDH / curve25519 (RFC 5656 s4, RFC 8731 s3):
    H = HASH(string V_C || string V_S || string I_C || string I_S || string K_S
             || string Q_C || string Q_S || mpint K)
  fixed-group DH (RFC 4253 s8):
    H = HASH(... || string K_S || mpint e || mpint f || mpint K)
  group exchange (RFC 4419 s3):
    H = HASH(... || string K_S || uint32 min || uint32 n || uint32 max
             || mpint p || mpint g || mpint e || mpint f || mpint K)
"""
import hashlib
import struct

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519


def u32(v):
    return struct.pack(">I", v)


def string(b):
    return u32(len(b)) + b


def mpint(v):
    if v == 0:
        return u32(0)
    n = v.bit_length() // 8 + 1  # room for a sign bit: a leading 0x00 when the top bit is set
    b = v.to_bytes(n, "big")
    while len(b) > 1 and b[0] == 0 and b[1] < 0x80:
        b = b[1:]
    return string(b)


def pi_times_2_pow(bits):
    """floor(pi * 2^bits), by Machin's formula with 64 guard bits."""
    g = bits + 64
    one = 1 << g

    def atan_inv(x):
        total, term, k, sign = 0, one // x, 1, 1
        while term:
            total += sign * (term // k)
            term //= x * x
            k += 2
            sign = -sign
        return total

    return (16 * atan_inv(5) - 4 * atan_inv(239)) >> 64


def modp(s, c):
    """RFC 3526: p = 2^s - 2^(s-64) - 1 + 2^64 * ([2^(s-130) pi] + c)."""
    return 2**s - 2**(s - 64) - 1 + 2**64 * (pi_times_2_pow(s - 130) + c)


GROUP14 = modp(2048, 124476)
GROUP16 = modp(4096, 240904)

V_C = b"SSH-2.0-TetherKAT_1.0"
V_S = b"SSH-2.0-OpenSSH_9.9"
I_C = bytes([20]) + bytes(range(16)) + b"client kexinit payload"
I_S = bytes([20]) + bytes(range(16, 32)) + b"server kexinit payload"
# RFC 8032 s7.1 TEST 1 public key, as an ssh-ed25519 blob
ED25519_PUB = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
K_S = string(b"ssh-ed25519") + string(ED25519_PUB)

PREFIX = string(V_C) + string(V_S) + string(I_C) + string(I_S) + string(K_S)


def raw(pub):
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def point(pub):
    return pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def show(name, k, h):
    print(name)
    print("  K      =", k.hex())
    print("  sha256(K) =", hashlib.sha256(k).hexdigest())
    print("  H      =", h.hex())


# curve25519-sha256: RFC 7748 s6.1 Alice (client) and Bob (server)
a = x25519.X25519PrivateKey.from_private_bytes(bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
b = x25519.X25519PrivateKey.from_private_bytes(bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
qc, qs = raw(a.public_key()), raw(b.public_key())
shared = a.exchange(b.public_key())
assert shared == b.exchange(a.public_key())
k = mpint(int.from_bytes(shared, "big"))  # RFC 8731 s3.1: network byte order
show("curve25519-sha256", k, hashlib.sha256(PREFIX + string(qc) + string(qs) + k).digest())

# ecdh-sha2-nistp256: RFC 5903 s8.1 i (client) and r (server)
i = ec.derive_private_key(0xC88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433, ec.SECP256R1())
r = ec.derive_private_key(0xC6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53, ec.SECP256R1())
qc, qs = point(i.public_key()), point(r.public_key())
shared = i.exchange(ec.ECDH(), r.public_key())
assert shared == r.exchange(ec.ECDH(), i.public_key())
k = mpint(int.from_bytes(shared, "big"))
show("ecdh-sha2-nistp256", k, hashlib.sha256(PREFIX + string(qc) + string(qs) + k).digest())

# fixed exponents for the DH methods: 512-bit values derived from labels
X = int.from_bytes(hashlib.sha512(b"tether kat client exponent").digest(), "big")
Y = int.from_bytes(hashlib.sha512(b"tether kat server exponent").digest(), "big")
print("x =", format(X, "x"))
print("y =", format(Y, "x"))

# diffie-hellman-group14-sha256: RFC 3526 group 14, g = 2
p, g = GROUP14, 2
e, f = pow(g, X, p), pow(g, Y, p)
K = pow(f, X, p)
assert K == pow(e, Y, p)
k = mpint(K)
show("diffie-hellman-group14-sha256", k, hashlib.sha256(PREFIX + mpint(e) + mpint(f) + k).digest())

# diffie-hellman-group-exchange-sha256: the client asks min 2048, n 4096, max 8192; the built-in
# server source then has exactly one fitting group of 4096 bits, RFC 3526 group 16
p, g = GROUP16, 2
e, f = pow(g, X, p), pow(g, Y, p)
K = pow(f, X, p)
assert K == pow(e, Y, p)
k = mpint(K)
h = hashlib.sha256(PREFIX + u32(2048) + u32(4096) + u32(8192) + mpint(p) + mpint(g) + mpint(e) + mpint(f) + k).digest()
show("diffie-hellman-group-exchange-sha256", k, h)

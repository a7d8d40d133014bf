#!/usr/bin/python3
"""Seeds for PacketDecoderTarget (see its javadoc for the record layout).

Usage: make_packet_seeds.py OUTDIR
Each seed picks one of the target's eight cipher suites and carries real payloads (the KEXINITs
captured from OpenSSH and paramiko by capture_kexinit.py, an SSH_MSG_IGNORE, a service request)
as honest sealed packets, followed per seed by one hostile record: a lying padding field, a lying
packet length, an inflation bomb, or raw garbage.
"""
import os, struct, sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
here = os.path.dirname(os.path.abspath(__file__))
kexinits = os.path.join(here, "..", "resources", "fuzz", "KexInitTarget")
payloads = [open(os.path.join(kexinits, f), "rb").read() for f in sorted(os.listdir(kexinits))]
payloads.append(b"\x02" + struct.pack(">I", 5) + b"hello")  # SSH_MSG_IGNORE
payloads.append(b"\x05" + struct.pack(">I", 12) + b"ssh-userauth")  # SERVICE_REQUEST


def honest(p, pad_lie=None):
    if pad_lie is None:
        return bytes([1, 0]) + struct.pack(">H", len(p)) + p
    return bytes([5, pad_lie]) + struct.pack(">H", len(p)) + p


hostile = {
    "clean": b"",
    "padding-3": honest(b"\x02abc", 3),
    "padding-255": honest(b"\x02abc", 255),
    "length-huge": bytes([3]) + struct.pack(">I", 0x7FFFFFFF),
    "length-small": bytes([3]) + struct.pack(">I", 4),
    "bomb-1MiB": bytes([2, 255]),
    "garbage": bytes([0, 15]) + bytes(range(16)),
}
for suite in range(8):
    for name, tail in hostile.items():
        p = payloads[suite % len(payloads)]
        with open(os.path.join(out, f"suite{suite}-{name}"), "wb") as w:
            w.write(bytes([suite]) + honest(p) + honest(payloads[-1]) + tail)

#!/usr/bin/env python3
"""seal-cast.py [options] CAST KEY: write CAST.chain and CAST.seal for
CAST as the gateway would (docs/recording-format.md), signing with KEY,
an Ed25519 private key in PEM (`openssl genpkey -algorithm ED25519`).

The chain is keyed with 32 random bytes, published in the open seal; a
head seal follows the header and then every --every lines, and an end
seal the last line. It is written apart from the C code (hashlib, hmac
and the openssl command), so that tests check one against the other.

  --every N     a head seal every N lines (default 100)
  --no-end      leave out the chain's end line and the end seal, as a
                writer killed mid-session does
  --gone WHY    with --no-end: a gone seal after the last head, saying WHY
  --pid PID     the writer named by the open seal (default 0: none); its
                start time is read from /proc/PID/stat. The sealer named
                is this script's caller, so a --pid that lives is a
                session still going
  --ex ID       the exercise named by the open seal (default ex-0000)
  --seals-only  print the seal lines and write nothing (for fuzz seeds)
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time


def canonical(obj):
    """The form that is signed: compact, keys sorted (jansson's
    JSON_COMPACT | JSON_SORT_KEYS for the plain values seals hold)."""
    return json.dumps(obj, separators=(",", ":"), sort_keys=True,
                      ensure_ascii=False)


def sign(key, obj):
    msg = canonical(obj).encode()
    with tempfile.NamedTemporaryFile() as f:
        f.write(msg)
        f.flush()
        sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin",
                              "-inkey", key, "-in", f.name],
                             check=True, capture_output=True).stdout
    if len(sig) != 64:
        sys.exit("seal-cast.py: openssl made no Ed25519 signature")
    return canonical(dict(obj, sig=base64.b64encode(sig).decode())) + "\n"


def start_time(pid):
    if pid <= 0:
        return 0
    stat = open("/proc/%d/stat" % pid).read()
    return int(stat[stat.rindex(")") + 2:].split()[19])


def main():
    p = argparse.ArgumentParser(usage=__doc__)
    p.add_argument("cast")
    p.add_argument("key")
    p.add_argument("--every", type=int, default=100)
    p.add_argument("--no-end", action="store_true")
    p.add_argument("--gone")
    p.add_argument("--pid", type=int, default=0)
    p.add_argument("--ex", default="ex-0000")
    p.add_argument("--seals-only", action="store_true")
    a = p.parse_args()
    if a.gone is not None and (not a.no_end or not a.gone.isprintable()):
        sys.exit("seal-cast.py: --gone needs --no-end, and printable text")

    lines = open(a.cast, "rb").read().split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    key = os.urandom(32)
    prev, chain, digests = bytes(32), [], [bytes(32)]
    for line in lines:
        prev = hmac.new(key, prev + line, hashlib.sha256).digest()
        chain.append(prev.hex())
        digests.append(prev)
    if not a.no_end:
        end = b"end %d" % len(lines)
        chain.append(end.decode() + " " +
                     hmac.new(key, prev + end, hashlib.sha256).hexdigest())

    rec = os.path.basename(a.cast)
    t = int(time.time() * 1000)
    base = {"v": 1, "rec": rec, "t": t}
    gw = os.getppid() if a.pid > 0 else 0
    seals = [sign(a.key, dict(base, kind="open", ex=a.ex, key=key.hex(),
                              pid=a.pid, start=start_time(a.pid),
                              gw=gw, gw_start=start_time(gw)))]
    heads = list(range(1, len(lines) + 1, a.every))
    if not a.no_end:
        heads = [n for n in heads if n < len(lines)]
    for n in heads:
        seals.append(sign(a.key, dict(base, kind="head", n=n,
                                      head=digests[n].hex())))
    last = heads[-1] if heads else 0
    if not a.no_end:
        last = len(lines)
        seals.append(sign(a.key, dict(base, kind="end", n=last,
                                      head=digests[last].hex())))
    elif a.gone is not None:
        seals.append(sign(a.key, dict(base, kind="gone", n=last,
                                      head=digests[last].hex(), why=a.gone)))

    if a.seals_only:
        sys.stdout.write("".join(seals))
        return
    with open(a.cast + ".chain", "w") as f:
        f.write("".join(c + "\n" for c in chain))
    with open(a.cast + ".seal", "w") as f:
        f.write("".join(seals))


main()

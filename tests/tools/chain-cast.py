#!/usr/bin/env python3
"""chain-cast.py KEYFILE CAST: write CAST.chain for CAST, as the gateway
would (docs/recording-format.md): one HMAC-SHA256 a line, keyed with
KEYFILE's bytes, each over the previous digest and the line, then the
authenticated end line. For tests and benchmarks that need recordings
breakfix verify accepts."""
import hashlib
import hmac
import sys

key = open(sys.argv[1], "rb").read()
lines = open(sys.argv[2], "rb").read().split(b"\n")
if lines[-1] == b"":
    lines.pop()
prev, chain = bytes(32), []
for line in lines:
    d = hmac.new(key, prev + line, hashlib.sha256)
    chain.append(d.hexdigest())
    prev = d.digest()
end = b"end %d" % len(lines)
chain.append((end + b" ").decode() +
             hmac.new(key, prev + end, hashlib.sha256).hexdigest())
with open(sys.argv[2] + ".chain", "w") as f:
    f.write("\n".join(chain) + "\n")

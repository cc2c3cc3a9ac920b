#!/usr/bin/env python3
"""rechain.py CAST: rewrite CAST.chain to match CAST as it is now, with
the chain key from its opening seal (public: anyone can do this). What a
forger who edits a recording would do; the seals must still catch it."""
import hashlib
import hmac
import json
import sys

cast = sys.argv[1]
opening = json.loads(open(cast + ".seal").readline())
key = bytes.fromhex(opening["key"])
lines = open(cast, "rb").read().split(b"\n")
if lines[-1] == b"":
    lines.pop()
prev, chain = bytes(32), []
for line in lines:
    d = hmac.new(key, prev + line, hashlib.sha256)
    chain.append(d.hexdigest())
    prev = d.digest()
end = b"end %d" % len(lines)
chain.append(end.decode() + " " +
             hmac.new(key, prev + end, hashlib.sha256).hexdigest())
with open(cast + ".chain", "w") as f:
    f.write("\n".join(chain) + "\n")

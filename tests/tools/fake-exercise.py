#!/usr/bin/env python3
"""fake-exercise.py STATE ID PORT HOST_KEY_PUB USER PASSWORD [KEYS]

Lay out exercise ID in the state directory STATE as `breakfix up` leaves
it (docs/security.md lists the files and their modes), for a "VM" that is
an sshd on 127.0.0.1:PORT with host key HOST_KEY_PUB (and no libvirt
domain: its URI is none:///), where the candidate
logs in as USER. The password is PASSWORD; KEYS, if given, is a file of
the candidate's public keys. Prints the relay key's public line, for the
sshd's authorized_keys. For tests of the gateway without a VM."""
import grp
import hashlib
import json
import os
import subprocess
import sys
import time

state, ex_id, port, host_pub, user, password = sys.argv[1:7]
keys = sys.argv[7] if len(sys.argv) > 7 else None
top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
d = os.path.join(state, "exercises", ex_id)
os.makedirs(d, mode=0o711, exist_ok=True)
os.chmod(os.path.join(state, "exercises"), 0o711)
os.chmod(d, 0o711)
try:
    review = grp.getgrnam("breakfix-review").gr_gid
except KeyError:
    subprocess.run(["groupadd", "--system", "breakfix-review"], check=True)
    review = grp.getgrnam("breakfix-review").gr_gid


def put(name, text, mode, gid=0):
    p = os.path.join(d, name)
    with open(p, "w") as f:
        f.write(text)
    os.chown(p, 0, gid)
    os.chmod(p, mode)


now = int(time.time())
put("exercise.json", json.dumps({
    "format": 1, "id": ex_id, "domain": "breakfix-" + ex_id,
    "state": "ready", "uri": "none:///", "image": "debian-12",
    "scenario": "e2e-tiny", "scenario_file": "", "candidate": "tester",
    "dir": d, "created": now, "expires": now + 3600, "downed": 0,
    "port": int(port), "accel": "tcg", "launch": "cold", "pool": "",
    "boot_ms": 0, "faults_ms": 0, "vm_ms": 0, "ready_ms": 0,
    "memory": 536870912, "vcpus": 1, "disk": 8589934592}), 0o640, review)
salt = os.urandom(16)
key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 100000, 32)
put("password", "pbkdf2-sha256$100000$%s$%s\n" % (salt.hex(), key.hex()),
    0o600)
if keys is not None:
    lines = [" ".join(l.split()[:2]) for l in open(keys) if l.strip()]
    put("authorized_keys", "".join(l + "\n" for l in lines), 0o600)
relay = os.path.join(d, "candidate_ed25519")
for p in (relay, relay + ".pub"):
    if os.path.exists(p):
        os.unlink(p)
subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                "breakfix-gateway", "-f", relay], check=True,
               stdin=subprocess.DEVNULL)
os.chmod(relay, 0o600)
hk = open(host_pub).read().split()
put("known_hosts", "[127.0.0.1]:%s %s %s\n" % (port, hk[0], hk[1]), 0o600)
tiny = open(os.path.join(top, "tests", "e2e", "tiny.yaml")).read()
put("scenario.yaml", tiny.replace("user: ops", "user: " + user), 0o640,
    review)
sessions = os.path.join(d, "sessions")
os.makedirs(sessions, exist_ok=True)
os.chown(sessions, 0, review)
os.chmod(sessions, 0o750)
put("audit.log", "", 0o640, review)
print(open(relay + ".pub").read().strip())

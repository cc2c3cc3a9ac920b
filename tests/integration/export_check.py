#!/usr/bin/env python3
"""export_check.py - load a page from 'breakfix export --html' in headless
Chromium and check it as a reviewer would use it.

usage: export_check.py PAGE.html [--screenshot PNG]

Drives Chromium over the DevTools protocol (a websocket; the client
below is the stdlib's sockets and nothing else) and checks that:
  - no exception, console error, log error or dialog happens (an
    alert() means something from the recording ran as HTML),
  - the page asks for nothing but itself (no network, no other file),
  - the player is drawn and has loaded the whole recording,
  - a real mouse click on the last command moves the player there, and
    the list then marks that command as the current one.
Prints one line per check; exit status 0 if all pass, 1 if not.
"""
import base64
import glob
import http.client
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse


class WebSocket:
    """Just enough of RFC 6455 for a client: text frames, fragments,
    ping and close."""

    def __init__(self, url, timeout):
        u = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout)
        self.buf = b""
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((
            f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode())
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("websocket handshake refused: %r" % head[:80])

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise RuntimeError("DevTools closed the connection")
        self.buf += data

    def _send_frame(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send(self, text):
        self._send_frame(0x1, text.encode())

    def _frame(self):
        """The next whole frame. It leaves the buffer only once it is all
        there, so that a timeout while reading loses nothing."""
        while True:
            frame = self._parse(self.buf)
            if frame is not None:
                return frame
            self._fill()

    def _parse(self, b):
        if len(b) < 2:
            return None
        n, at = b[1] & 0x7F, 2
        if n == 126:
            if len(b) < 4:
                return None
            n, at = struct.unpack("!H", b[2:4])[0], 4
        elif n == 127:
            if len(b) < 10:
                return None
            n, at = struct.unpack("!Q", b[2:10])[0], 10
        mask = None
        if b[1] & 0x80:
            mask, at = b[at:at + 4], at + 4
        if len(b) < at + n:
            return None
        payload = b[at:at + n]
        if mask:
            payload = bytes(x ^ mask[i % 4] for i, x in enumerate(payload))
        self.buf = b[at + n:]
        return b[0], payload

    def recv(self):
        message = b""
        while True:
            b0, payload = self._frame()
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise RuntimeError("DevTools closed the websocket")
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode in (0x0, 0x1, 0x2):
                message += payload
                if b0 & 0x80:
                    return message.decode()


class Page:
    """One tab: calls, and the events that arrive meanwhile."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.events = []

    def call(self, method, params=None, timeout=30):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method,
                                 "params": params or {}}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._event(msg)
        raise RuntimeError(f"{method}: no answer in {timeout} s")

    def _event(self, msg):
        if "method" not in msg:
            return
        self.events.append(msg)
        # A dialog blocks the page until answered: note it, close it.
        if msg["method"] == "Page.javascriptDialogOpening":
            self.next_id += 1
            self.ws.send(json.dumps({
                "id": self.next_id, "method": "Page.handleJavaScriptDialog",
                "params": {"accept": False}}))

    def eval(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr,
                                           "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr}: {r['exceptionDetails']['text']}")
        return r["result"].get("value")

    def poll(self, expr, timeout):
        """Evaluate expr until it is truthy; its last value."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.eval(expr)
            if value:
                return value
            time.sleep(0.1)
        return value

    def wait_event(self, method, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e["method"] == method for e in self.events):
                return True
            self.ws.sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                self._event(json.loads(self.ws.recv()))
            except socket.timeout:
                break
            finally:
                self.ws.sock.settimeout(30)
        return any(e["method"] == method for e in self.events)


def find_chromium():
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser",
                 "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def start_chromium(binary, profile, log):
    args = [binary, "--headless=new", "--no-sandbox", "--disable-gpu",
            "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
            "--window-size=1280,800", "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1",
            f"--user-data-dir={profile}", "about:blank"]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log,
                            stderr=log)
    port_file = os.path.join(profile, "DevToolsActivePort")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chromium exited with {proc.returncode}")
        try:
            with open(port_file) as f:
                lines = f.read().split("\n")
            if len(lines) >= 2 and lines[0].isdigit():
                return proc, int(lines[0])
        except FileNotFoundError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("chromium did not open its DevTools port in 60 s")


def page_target(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/json/list")
    targets = json.loads(conn.getresponse().read())
    for t in targets:
        if t.get("type") == "page":
            return t["webSocketDebuggerUrl"]
    raise RuntimeError("chromium has no page open")


def problems(events, page_url):
    """The errors the page caused, as text."""
    out = []
    for e in events:
        m, p = e["method"], e.get("params", {})
        if m == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            out.append("exception: " + d.get("exception", {}).get(
                "description", d.get("text", "?")).split("\n")[0])
        elif m == "Runtime.consoleAPICalled" and p["type"] in ("error",
                                                               "assert"):
            out.append("console.%s: %s" % (p["type"], " ".join(
                str(a.get("value", a.get("description", "")))
                for a in p.get("args", []))))
        elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
            out.append("log: " + p["entry"]["text"])
        elif m == "Page.javascriptDialogOpening":
            out.append(f"dialog ({p['type']}): {p['message']}")
        elif m == "Network.requestWillBeSent":
            url = p["request"]["url"]
            if url != page_url and not url.startswith(("data:", "blob:")):
                out.append("request for " + url[:120])
    return out


def check(page, page_url, screenshot):
    results = []

    def verdict(name, ok, detail=""):
        results.append(ok)
        print(("ok   " if ok else "FAIL ") + name +
              ("" if ok or not detail else ": " + detail))

    for domain in ("Runtime", "Log", "Page", "Network"):
        page.call(domain + ".enable")
    page.call("Page.navigate", {"url": page_url})
    verdict("browser: page loads",
            page.wait_event("Page.loadEventFired", 30))

    ready = page.poll("""(() => {
        const p = window.breakfixPlayer,
              el = document.querySelector('#bf-player .ap-player');
        if (!p || !el || el.getBoundingClientRect().height < 100)
            return 0;
        return p.getDuration() || 0;
    })()""", 20)
    verdict("browser: player rendered and recording loaded",
            isinstance(ready, (int, float)) and ready > 5,
            f"duration {ready!r}")

    target = page.eval("""(() => {
        const b = [...document.querySelectorAll('#bf-list button[data-t]')]
            .pop();
        if (!b)
            return null;
        b.scrollIntoView({block: 'center'});
        const r = b.getBoundingClientRect();
        return {t: parseFloat(b.dataset.t), x: r.left + r.width / 2,
                y: r.top + r.height / 2, n: b.parentNode.parentNode
                .children.length,
                before: window.breakfixPlayer ?
                    window.breakfixPlayer.getCurrentTime() : null};
    })()""")
    verdict("browser: commands listed", bool(target), repr(target))
    if target:
        clicked = time.monotonic()
        for kind in ("mousePressed", "mouseReleased"):
            page.call("Input.dispatchMouseEvent", {
                "type": kind, "x": target["x"], "y": target["y"],
                "button": "left", "clickCount": 1})
        # The first time the player is seen to move, it must be there:
        # playing from the start instead would also reach t, later. From
        # t it plays on, no faster than time passes here, however long
        # that was (polls come late on a busy machine).
        moved = page.poll(f"""(() => {{
            const t = window.breakfixPlayer ?
                window.breakfixPlayer.getCurrentTime() : null;
            return t !== null && Math.abs(t - {json.dumps(target['before'])}) > 0.001 ?
                {{t: t}} : null;
        }})()""", 30)
        waited = time.monotonic() - clicked
        now = moved["t"] if moved else None
        verdict("browser: clicking a command seeks the player there",
                now is not None and
                target["t"] - 0.05 <= now < target["t"] + waited + 0.25,
                f"time {target['before']!r} -> {now!r} in {waited:.1f} s, "
                f"wanted {target['t']}")
        marked = page.poll("""(() => {
            const li = document.querySelectorAll('#bf-list li');
            return li.length > 0 &&
                li[li.length - 1].classList.contains('bf-now');
        })()""", 20)
        verdict("browser: the list marks the command playing", marked)
        shown = page.poll("""(() => {
            const t = document.querySelector('#bf-player .ap-term');
            return t !== null && t.textContent.includes('ada@web');
        })()""", 20)
        verdict("browser: the terminal shows the session", shown)

    if screenshot:
        shot = page.call("Page.captureScreenshot", {"format": "png"})
        with open(screenshot, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
    page.wait_event("never", 0.5)   # let late errors arrive
    errs = problems(page.events, page_url)
    verdict("browser: no errors, dialogs or requests", not errs,
            "; ".join(errs[:5]))
    return all(results)


def main():
    args = sys.argv[1:]
    screenshot = None
    if len(args) == 3 and args[1] == "--screenshot":
        screenshot = args[2]
        args = args[:1]
    if len(args) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    binary = find_chromium()
    if binary is None:
        print("FAIL browser: no chromium (scripts/deps.sh installs it)")
        return 1
    page_url = "file://" + os.path.realpath(args[0])
    profile = tempfile.mkdtemp(prefix="export-check.")
    proc = None
    try:
        with open(os.path.join(profile, "chromium.log"), "w") as log:
            proc, port = start_chromium(binary, profile, log)
            ws = WebSocket(page_target(port), 30)
            ok = check(Page(ws), page_url, screenshot)
    except (RuntimeError, OSError, ValueError) as e:
        print(f"FAIL browser: {e}")
        for f in glob.glob(os.path.join(profile, "chromium.log")):
            with open(f) as fp:
                sys.stdout.write("".join("  " + l for l in
                                         fp.readlines()[-10:]))
        ok = False
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

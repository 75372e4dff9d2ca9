"""Open pages in headless Chromium and fail on what a reader would see broken.

Usage::

    python .ci/browser_check.py --report report.html --site site/ \
        --page tutorials/05-read-a-retention-curve/ --screenshot docs/assets/report.png

For each page: no console error, no uncaught exception, no failed request, no broken image,
and the sections it must have (the report: every section of the demo, the executive summary
and the "How to read this" boxes; a docs page: a title, no error output from its code, its
maths typeset). The site is served over HTTP on localhost, as a reader would get it. Chromium is
driven over its DevTools protocol on a pipe (``--remote-debugging-pipe``): no websocket
library, no browser download, only the OS package.

Exit code 0 when every page passes, 1 otherwise (each problem printed on one line).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import http.server
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

TIMEOUT_S = 30.0
REPORT_SECTIONS = ("overview", "acquisition", "funnel", "retention", "health", "unit-economics")

PAGE_FACTS = """(() => ({
  brokenImages: [...document.images]
    .filter((i) => !i.complete || i.naturalWidth === 0)
    .map((i) => i.currentSrc || i.src),
  ids: [...document.querySelectorAll("[id]")].map((e) => e.id),
  h1: [...document.querySelectorAll("h1")].map((e) => e.textContent.trim()),
  howToRead: document.querySelectorAll("details.how").length,
  svgs: document.querySelectorAll("svg").length,
  tex: document.querySelectorAll(".arithmatex").length,
  katex: document.querySelectorAll(".arithmatex .katex").length,
  katexErrors: document.querySelectorAll(".katex-error").length,
  text: document.body.innerText,
}))()"""


class Browser:
    """Chromium driven over the DevTools protocol on file descriptors 3 (in) and 4 (out)."""

    def __init__(self, binary: str) -> None:
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        self._profile = tempfile.mkdtemp(prefix="chromium-check-")

        def wire() -> None:  # in the child: the pipe ends become fds 3 and 4
            read_end, write_end = os.dup(to_child_r), os.dup(from_child_w)  # no clobbering
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.proc = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={self._profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire,  # noqa: PLW1509 - dup2 only, before exec
            pass_fds=(3, 4),  # kept open in the child after wire() (fds are closed after it)
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        """Stop Chromium and remove its profile."""
        with contextlib.suppress(OSError):
            os.close(self._to_child)
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        with contextlib.suppress(OSError):
            os.close(self._from_child)
        shutil.rmtree(self._profile, ignore_errors=True)

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_child, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return dict(json.loads(message))

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Call a DevTools method and return its result (events that arrive meanwhile are kept)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
            self.events.append(reply)

    def wait_for(self, method: str, session: str) -> None:
        """Wait for the event ``method`` of the page ``session``."""
        deadline = time.monotonic() + TIMEOUT_S
        seen = len(self.events)
        while True:
            for event in self.events[seen:]:
                if event.get("method") == method and event.get("sessionId") == session:
                    return
            seen = len(self.events)
            self.events.append(self._read(deadline))

    def open(self, url: str, *, width: int = 1200, height: int = 1800) -> tuple[str, int]:
        """Open ``url`` in a new tab; returns its session and where its events start."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        start = len(self.events)
        self.send("Page.navigate", session, url=url)
        self.wait_for("Page.loadEventFired", session)
        time.sleep(1.0)  # scripts that run after load (maths typesetting, instant navigation)
        self.send("Runtime.evaluate", session, expression="1")  # drain pending events
        return session, start

    def facts(self, session: str) -> dict[str, Any]:
        """What the page shows: broken images, ids, titles, maths, text (see PAGE_FACTS)."""
        result = self.send("Runtime.evaluate", session, expression=PAGE_FACTS, returnByValue=True)[
            "result"
        ]
        return dict(result["value"])

    def problems(self, session: str, start: int) -> list[str]:
        """Console errors, uncaught exceptions and failed requests of the page, in words."""
        out = []
        for event in self.events[start:]:
            if event.get("sessionId") != session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in {"error", "assert"}:
                text = " ".join(
                    str(a.get("value", a.get("description", ""))) for a in params["args"]
                )
                out.append(f"console error: {text}")
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                text = details.get("exception", {}).get("description") or details.get("text")
                out.append(f"uncaught exception: {text}")
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                entry = params["entry"]
                out.append(f"error: {entry.get('text')} {entry.get('url', '')}".strip())
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                out.append(f"failed request: {params.get('errorText')} ({params.get('type')})")
        return out

    def screenshot(self, session: str, path: pathlib.Path) -> None:
        """Write the visible part of the page as PNG."""
        data = self.send("Page.captureScreenshot", session, format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))


@contextlib.contextmanager
def serve(folder: pathlib.Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on a free localhost port; yields the base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def check_report(
    browser: Browser, report: pathlib.Path, screenshot: pathlib.Path | None
) -> list[str]:
    """Problems of the demo report; writes the screenshot when asked."""
    with serve(report.parent) as base:
        session, start = browser.open(base + report.name)
        facts = browser.facts(session)
        problems = browser.problems(session, start)
        if screenshot is not None:
            browser.screenshot(session, screenshot)
    problems += [f"broken image: {src}" for src in facts["brokenImages"]]
    ids = set(facts["ids"])
    problems += [f"missing section: {s}" for s in REPORT_SECTIONS if f"section-{s}" not in ids]
    if "executive-summary" not in ids:
        problems.append("missing section: executive summary")
    if facts["howToRead"] < len(REPORT_SECTIONS):
        problems.append(f"only {facts['howToRead']} 'How to read this' boxes")
    if facts["svgs"] < len(REPORT_SECTIONS):
        problems.append(f"only {facts['svgs']} charts")
    return [f"{report.name}: {p}" for p in problems]


def check_page(browser: Browser, site: pathlib.Path, page: str) -> list[str]:
    """Problems of one page of the docs site."""
    with serve(site) as base:
        session, start = browser.open(base + page)
        facts = browser.facts(session)
        problems = browser.problems(session, start)
    problems += [f"broken image: {src}" for src in facts["brokenImages"]]
    if not facts["h1"]:
        problems.append("missing section: the page title (h1)")
    if facts["tex"] and facts["katex"] < facts["tex"]:
        problems.append(f"maths not typeset: {facts['tex'] - facts['katex']} of {facts['tex']}")
    if facts["katexErrors"]:
        problems.append(f"{facts['katexErrors']} maths expressions failed to typeset")
    for marker in ("Traceback (most recent call last)",):
        if marker in facts["text"]:
            problems.append(f"the page shows {marker!r}")
    return [f"{page}: {p}" for p in problems]


def main(argv: list[str] | None = None) -> int:
    """Run the checks; 0 when every page passes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=pathlib.Path, help="the demo report (HTML file)")
    parser.add_argument("--site", type=pathlib.Path, help="the built docs site (folder)")
    parser.add_argument("--page", action="append", default=[], help="page of the site to open")
    parser.add_argument("--screenshot", type=pathlib.Path, help="PNG of the report's top")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args(argv)
    started = time.monotonic()
    browser = Browser(args.chromium)
    try:
        problems = []
        if args.report is not None:
            problems += check_report(browser, args.report.resolve(), args.screenshot)
        for page in args.page:
            problems += check_page(browser, args.site.resolve(), page)
    finally:
        browser.close()
    for problem in problems:
        print(f"browser check: {problem}")
    checked = (args.report is not None) + len(args.page)
    print(f"browser check: {checked} page(s), {len(problems)} problem(s), "
          f"{time.monotonic() - started:.1f} s")  # fmt: skip
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

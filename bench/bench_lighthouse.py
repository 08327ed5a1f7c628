"""Lighthouse scores of the sites a reader meets, as their browser sees them.

    python bench/bench_lighthouse.py [--lighthouse PATH] [--pages demo:/,starter:/guide/,...] [--widths 390,1280]

Builds, into a temporary folder, the demo at the repository root ("demo"), a fresh `shelfpress new` site
("starter": its guide has a comparison, a review and a where-to-buy table), the same with theme = "magazine"
("magazine") and a catalog where three shops sell one product ("offers": its /p/<gtin>/ where-to-buy page).
Serves each on 127.0.0.1 under its base_url path, runs the npm `lighthouse` CLI with Debian's
/usr/bin/chromium at each width (390 px: mobile emulation with throttling; 1280 px: the desktop preset) and
prints one line per page: performance, accessibility, best practices, SEO, CLS, and the audits that failed
(with render-blocking resources and unminified CSS/JS, which weigh in no score).

Needs Node and `npm install lighthouse` (found as --lighthouse, $LIGHTHOUSE, `lighthouse` on PATH or
./node_modules/.bin/lighthouse); it is not part of the test suite. Product images live on external
CDNs that an offline machine cannot reach: audits failing only for that are listed, not hidden.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.commands.build import build  # noqa: E402
from generator.config.schema import load_config  # noqa: E402
from generator.commands.new import new_site  # noqa: E402
from generator.core.console import Reporter  # noqa: E402
from tests.products.test_offers import CHAIRS, CONFIG, LISTING  # noqa: E402
from tests.support.products import catalog_site  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# Audits of issue 33 item 12 that weigh in no score but are listed when they fail.
PAGE_WEIGHT = ("render-blocking-resources", "render-blocking-insight", "unminified-css", "unminified-javascript")
OFFLINE = "net::ERR_NAME_NOT_RESOLVED"  # this machine reaches no product image CDN
DEFAULT_PAGES = ",".join([
    "demo:/", "demo:/lampor/", "demo:/c/432-taklampor/", "demo:/p/95639730-soho-pendel-orange/", "demo:/search/",
    "demo:/widgets/", "demo:/404.html", "starter:/guide/", "offers:/p/7350012345679/", "magazine:/"])


def find_lighthouse(given: str | None) -> str:
    for candidate in (given, os.environ.get("LIGHTHOUSE"), shutil.which("lighthouse"),
                      str(Path.cwd() / "node_modules/.bin/lighthouse")):
        if candidate and Path(candidate).exists():
            return candidate
    sys.exit("lighthouse not found: `npm install lighthouse` and pass --lighthouse node_modules/.bin/lighthouse")


def serve(root: Path, prefix: str) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path: str) -> str:
            if not path.startswith(prefix):
                return str(root / "__missing__")
            return super().translate_path("/" + path[len(prefix):])

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            if code == 404 and (root / "404.html").exists():  # as GitHub Pages does
                body = (root / "404.html").read_bytes()
                self.send_response(404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            super().send_error(code, message, explain)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}{prefix}"


def run_lighthouse(binary: str, url: str, width: int) -> dict:
    flags = [f"--only-categories={','.join(CATEGORIES)}", "--output=json", "--output-path=stdout", "--quiet",
             "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"]
    if width >= 1000:
        flags += ["--preset=desktop", f"--screenEmulation.width={width}", "--screenEmulation.height=900"]
    else:
        flags += ["--form-factor=mobile", f"--screenEmulation.width={width}", "--screenEmulation.height=844",
                  "--screenEmulation.deviceScaleFactor=3", "--screenEmulation.mobile"]
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    done = subprocess.run([binary, url, *flags], capture_output=True, text=True, env=env, timeout=300)
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"lighthouse failed for {url}: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)


def summary(report: dict) -> tuple[list[int], float, list[str]]:
    scores = [round(100 * (report["categories"][c]["score"] or 0)) for c in CATEGORIES]
    cls = report["audits"].get("cumulative-layout-shift", {}).get("numericValue", 0.0)
    wanted = {ref["id"] for c in CATEGORIES for ref in report["categories"][c]["auditRefs"] if ref.get("weight")}
    failed = sorted(a for a, audit in report["audits"].items()
                    if (a in wanted or a in PAGE_WEIGHT) and audit.get("score") is not None and audit["score"] < 0.9
                    and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings"))
    console = report["audits"].get("errors-in-console", {}).get("details", {}).get("items", [])
    if "errors-in-console" in failed and console and all(OFFLINE in item.get("description", "") for item in console):
        failed[failed.index("errors-in-console")] = "errors-in-console (only images of an unreachable CDN)"
    return scores, cls, failed


def make_sites(temp: Path, wanted: set[str]) -> dict[str, Path]:
    """name -> site folder, for the named sites only."""
    sites: dict[str, Path] = {"demo": ROOT}
    for name in wanted & {"starter", "magazine"}:
        new_site(temp / name)
        if name == "magazine":
            toml = temp / name / "shelfpress.toml"
            toml.write_text(toml.read_text().replace('# theme = "default"', 'theme = "magazine"'))
    if "offers" in wanted:
        catalog_site(temp / "offers", CHAIRS, {"content/chairs/index.md": LISTING}, config=CONFIG)
    sites.update({name: temp / name for name in wanted - {"demo"}})
    return {name: site for name, site in sites.items() if name in wanted}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lighthouse")
    parser.add_argument("--pages", default=DEFAULT_PAGES)
    parser.add_argument("--widths", default="390,1280")
    args = parser.parse_args()
    binary = find_lighthouse(args.lighthouse)
    pages = [page.split(":", 1) for page in args.pages.split(",")]
    worst = 100
    with tempfile.TemporaryDirectory(prefix="shelfpress-lighthouse-") as temp:
        servers, bases = [], {}
        for name, site in make_sites(Path(temp), {name for name, _ in pages}).items():
            config = load_config(site)
            out = Path(temp) / "out" / name
            build(config, output=out, clean=True, reporter=Reporter(verbosity=0))
            server, bases[name] = serve(out, config.base_path)
            servers.append(server)
        try:
            print(f"{'page':<44} {'width':>5}  perf  a11y  best   seo    CLS  failed audits")
            for width in (int(w) for w in args.widths.split(",")):
                for name, page in pages:
                    scores, cls, failed = summary(run_lighthouse(binary, bases[name] + page.lstrip("/"), width))
                    worst = min(worst, *scores)
                    print(f"{name + ':' + page:<44} {width:>5}  " + "  ".join(f"{s:>4}" for s in scores)
                          + f"  {cls:5.3f}  {', '.join(failed) or '-'}", flush=True)
        finally:
            for server in servers:
                server.shutdown()
    print(f"lowest score: {worst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

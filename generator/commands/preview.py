"""`shelfpress serve --built`: the last build's output served as it is, under the site's base path.

`python3 -m http.server` in public/ serves the site at `/`, so a site built for `/my-site/` (GitHub project
pages) loads no style sheet or script there. This serves the output folder at the base path, byte for byte
as built (no reload script, no rebuilds, nothing watched): what the host will serve. It uses the dev
server's HTTP handler (base-path redirects, path checks, the site's 404 page).
"""

from __future__ import annotations

import signal
import threading
import webbrowser

from generator.config.schema import Config
from generator.core.console import Reporter
from generator.core.errors import ServeError
from generator.publish.livereload import BuildEpochs, LiveReloadServer
from generator.commands.serve import _listen


def open_built_site(config: Config, *, host: str = "127.0.0.1", port: int = 8000) -> LiveReloadServer:
    """A server (not yet serving) for the output folder; ServeError when there is no build to serve."""
    out = config.output_path
    if not (out / "index.html").is_file():
        raise ServeError(f"nothing built to serve: {out} has no index.html; run `shelfpress build` first "
                         "(or `shelfpress serve` without --built to build and reload as you edit)")
    server = _listen(host, port, out, config.base_path, BuildEpochs())
    server.live = False
    return server


def built_url(server: LiveReloadServer, config: Config) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}{config.base_path}"


def serve_built(config: Config, *, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False,
                reporter: Reporter | None = None) -> None:
    """Serve the last build until Ctrl+C."""
    reporter = reporter or Reporter()
    server = open_built_site(config, host=host, port=port)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="shelfpress-serve-built")
    thread.start()
    url = built_url(server, config)
    reporter.info(f"Serving the last build of {config.output_dir} at {url} as built (no rebuilds; Ctrl+C to stop)")
    if open_browser:
        webbrowser.open(url)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        reporter.info("Stopped.")
    finally:
        server.shutdown()
        server.server_close()

"""`--media download` against a real HTTP server on 127.0.0.1: files land in static/, references follow,
an interrupted download resumes with a Range request, files over the size limit stay remote, a server
dripping bytes holds the import no longer than the per-file deadline."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from generator.importers import media
from tests.support.sites import run, write_site
from tests.support.loopback import LoopbackServer
from tests.importers.test_import_wordpress import CONFIG, WXR12, front

pytestmark = pytest.mark.server
OLD = "https://hemmaochljus.se/wp-content/uploads"


class MediaServer(LoopbackServer):
    """Serves `files` with Range support; paths in `cut_once` send half their bytes the first time, paths
    in `drip` send a byte every 0.1 s."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files, self.cut_once, self.requests = files, set[str](), list[tuple[str, str]]()
        self.drip = set[str]()
        super().__init__(_Handler, "")


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        app: MediaServer = self.server.app  # type: ignore[attr-defined]
        wanted = self.headers.get("Range", "")
        app.requests.append((self.path, wanted))
        body = app.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        start = int(wanted[6:-1]) if wanted.startswith("bytes=") and wanted.endswith("-") else 0
        self.send_response(206 if start else 200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        if self.path in app.cut_once:
            app.cut_once.discard(self.path)
            self.wfile.write(body[start:start + (len(body) - start) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if self.path in app.drip:
            try:
                for byte in body[start:start + 100]:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.1)
            except (BrokenPipeError, ConnectionResetError):  # the importer gave up on it, as it should
                pass
            return
        self.wfile.write(body[start:])


def image(n: int, size: int = 3000) -> bytes:
    return bytes([0xFF, 0xD8]) + bytes((i * n) % 251 for i in range(size))


@pytest.fixture
def media_site(tmp_path: Path) -> tuple[Path, Path, MediaServer]:
    files = {f"/wp-content/uploads/2023/04/{name}": image(i) for i, name in enumerate(
        ["lampa.jpg", "lampa-1024x683.jpg", "lampa-300x200.jpg", "soffa.jpg", "kok-300x200.jpg"], 1)}
    files["/wp-content/uploads/2023/04/kok.jpg"] = image(9, 3 * 1024 * 1024 // 2)  # 1.5 MB
    server = MediaServer(files)
    site = write_site(tmp_path / "site", {}, CONFIG)
    export = tmp_path / "export.xml"
    with server:
        export.write_text(WXR12.read_text().replace(OLD, server.url + "/wp-content/uploads"))
        yield site, export, server


def test_download_puts_media_in_static_and_rewrites_references(media_site: tuple[Path, Path, MediaServer]) -> None:
    site, export, server = media_site
    result = run("import", "wordpress", str(export), "--media", "download", "--max-media-mb", "1", "-C", str(site))
    assert result.exit_code == 0, result.output
    uploads = site / "static" / "wp-content" / "uploads" / "2023" / "04"
    for name in ("lampa.jpg", "lampa-1024x683.jpg", "soffa.jpg"):
        assert (uploads / name).read_bytes() == server.files[f"/wp-content/uploads/2023/04/{name}"]
    meta, body = front(site / "content" / "blog" / "så-väljer-du-rätt-taklampa.md")
    assert meta["image"] == "/wp-content/uploads/2023/04/lampa.jpg"
    assert '{{< figure src="/wp-content/uploads/2023/04/lampa-1024x683.jpg"' in body
    assert server.url not in body
    # over the size limit: a warning, not downloaded, the content keeps the remote URL
    assert not (uploads / "kok.jpg").exists() and not list(uploads.glob("*.part"))
    assert "kok.jpg: not downloaded (over the 1 MB limit" in result.output
    _, sofa = front(site / "content" / "blog" / "hostens-basta-soffor.md")
    assert 'src="/wp-content/uploads/2023/04/kok-300x200.jpg"' in sofa
    built = run("build", "-C", str(site))
    assert built.exit_code == 0, built.output
    page = (site / "public" / "blog" / "så-väljer-du-rätt-taklampa" / "index.html").read_text()
    assert 'src="/hemma/wp-content/uploads/2023/04/lampa-1024x683.jpg"' in page
    assert (site / "public" / "wp-content" / "uploads" / "2023" / "04" / "lampa.jpg").is_file()


def test_interrupted_download_resumes_with_a_range_request(media_site: tuple[Path, Path, MediaServer]) -> None:
    site, export, server = media_site
    path = "/wp-content/uploads/2023/04/soffa.jpg"
    server.cut_once.add(path)
    first = run("import", "wordpress", str(export), "--media", "download", "-C", str(site))
    assert first.exit_code == 0, first.output
    target = site / "static" / "wp-content" / "uploads" / "2023" / "04" / "soffa.jpg"
    part = target.with_name("soffa.jpg.part")
    assert not target.exists() and part.stat().st_size == len(server.files[path]) // 2
    assert "soffa.jpg: not downloaded" in first.output
    _, body = front(site / "content" / "blog" / "så-väljer-du-rätt-taklampa.md")
    assert f'{server.url}/wp-content/uploads/2023/04/soffa.jpg' in body  # until it is here, it stays remote

    server.requests.clear()
    second = run("import", "wordpress", str(export), "--media", "download", "-C", str(site))
    assert second.exit_code == 0, second.output
    assert (path, f"bytes={len(server.files[path]) // 2}-") in server.requests
    assert target.read_bytes() == server.files[path] and not part.exists()
    # files already in place are not fetched again
    assert [p for p, _ in server.requests] == [path]
    _, body = front(site / "content" / "blog" / "så-väljer-du-rätt-taklampa.md")
    assert 'src="/wp-content/uploads/2023/04/soffa.jpg"' in body


def test_link_mode_and_dry_run_fetch_nothing(media_site: tuple[Path, Path, MediaServer]) -> None:
    site, export, server = media_site
    assert run("import", "wordpress", str(export), "-C", str(site)).exit_code == 0
    dry = run("import", "wordpress", str(export), "--media", "download", "--dry-run", "-C", str(site))
    assert dry.exit_code == 0, dry.output
    assert server.requests == []
    assert "added    static/wp-content/uploads/2023/04/lampa.jpg" in dry.output
    assert not (site / "static" / "wp-content").exists()


def test_a_dripping_server_is_left_at_the_deadline_and_the_rest_is_downloaded(
        media_site: tuple[Path, Path, MediaServer], monkeypatch: pytest.MonkeyPatch) -> None:
    site, export, server = media_site
    path = "/wp-content/uploads/2023/04/soffa.jpg"
    server.drip.add(path)
    monkeypatch.setattr(media, "FILE_DEADLINE", 1.0)
    started = time.monotonic()
    result = run("import", "wordpress", str(export), "--media", "download", "-C", str(site))
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 8
    assert "soffa.jpg: not downloaded (not finished after 1 s (run the import again to resume it))" in result.output
    uploads = site / "static" / "wp-content" / "uploads" / "2023" / "04"
    assert not (uploads / "soffa.jpg").exists() and 0 < (uploads / "soffa.jpg.part").stat().st_size < 100
    assert (uploads / "lampa.jpg").read_bytes() == server.files["/wp-content/uploads/2023/04/lampa.jpg"]

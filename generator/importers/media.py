"""Media files of an export: where each goes in static/, and fetching them (`--media download`).

    https://old.se/wp-content/uploads/2019/05/lampa.jpg -> static/wp-content/uploads/2019/05/lampa.jpg
                                                            served as /wp-content/uploads/2019/05/lampa.jpg

Keeping the uploads path means old image URLs (hotlinks, image search) keep working on the new host.
Downloads run concurrently (httpx, a few at a time), stream to `<file>.part` and resume it with a Range
request on the next run, and stop at `max_bytes` per file and after `FILE_DEADLINE` seconds (a server
dripping a byte at a time holds no import forever; the part is kept and resumed). A file that fails keeps its remote URL in the
content and is a warning; nothing here raises for one bad file. Writes go through `SiteWriter.target`,
so they stay inside static/.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import httpx

from generator.core.asyncrun import run_sync
from generator.importers.manifest import SiteWriter, file_sha256

CONCURRENCY = 6
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
FILE_DEADLINE = 300.0  # seconds one file may take in all: 100 MB at 3 Mbit/s
_UPLOADS = "/wp-content/uploads/"


@dataclass(frozen=True)
class MediaFile:
    url: str
    rel: str  # static/...

    @property
    def local_url(self) -> str:
        return quote("/" + self.rel.removeprefix("static/"), safe="/")


def media_file(url: str) -> MediaFile | None:
    """Where `url` goes in static/, or None when it is not an http(s) URL with a usable path."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    path = unquote(parts.path)
    rest = path.split(_UPLOADS, 1)[1] if _UPLOADS in path else "external/" + path.rsplit("/", 1)[-1]
    segments = [re.sub(r"[\x00-\x1f\\]", "_", s) for s in rest.split("/") if s]
    if not segments or any(s in (".", "..") or s.startswith(".") for s in segments):
        return None
    return MediaFile(url, "static/wp-content/uploads/" + "/".join(segments))


def place_media(urls: Iterable[str]) -> dict[str, MediaFile]:
    """url -> its file, one file per path (the first URL wins)."""
    out: dict[str, MediaFile] = {}
    used: set[str] = set()
    for url in sorted(set(urls)):
        media = media_file(url)
        if media is not None and media.rel not in used:
            used.add(media.rel)
            out[url] = media
    return out


class _TooBig(Exception):
    pass


async def _fetch(client: httpx.AsyncClient, media: MediaFile, target: Path, max_bytes: int) -> str:
    """Download (or resume) one file into `target`; its sha256."""
    part = target.with_name(target.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    async with client.stream("GET", media.url, headers=headers) as response:
        if response.status_code == 416 and have:  # the part is already whole
            pass
        elif response.status_code not in (200, 206):
            raise httpx.HTTPStatusError(f"HTTP {response.status_code}", request=response.request,
                                        response=response)
        else:
            resumed = response.status_code == 206 and have > 0
            have = have if resumed else 0
            length = int(response.headers.get("content-length") or 0)
            if have + length > max_bytes:
                raise _TooBig()
            target.parent.mkdir(parents=True, exist_ok=True)
            with part.open("ab" if resumed else "wb") as f:
                async for chunk in response.aiter_bytes():
                    have += len(chunk)
                    if have > max_bytes:
                        raise _TooBig()
                    f.write(chunk)
    os.replace(part, target)
    return file_sha256(target) or hashlib.sha256(b"").hexdigest()


async def _download_all(jobs: list[tuple[MediaFile, Path]], max_bytes: int, writer: SiteWriter,
                        failures: dict[str, str]) -> set[str]:
    done: set[str] = set()
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(client: httpx.AsyncClient, media: MediaFile, target: Path) -> None:
        async with limit:
            try:
                async with asyncio.timeout(FILE_DEADLINE):
                    digest = await _fetch(client, media, target, max_bytes)
            except TimeoutError:
                failures[media.url] = f"not finished after {FILE_DEADLINE:g} s (run the import again to resume it)"
                return
            except _TooBig:
                target.with_name(target.name + ".part").unlink(missing_ok=True)
                failures[media.url] = f"over the {max_bytes // (1024 * 1024)} MB limit (--max-media-mb)"
                return
            except (httpx.HTTPError, OSError) as exc:
                failures[media.url] = str(exc) or type(exc).__name__
                return
        writer.record(media.rel, digest, "added")
        done.add(media.url)

    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=True,
                                 headers={"User-Agent": "shelfpress-import"}) as client:
        await asyncio.gather(*(one(client, media, target) for media, target in jobs))
    return done


def download(files: dict[str, MediaFile], writer: SiteWriter, max_bytes: int) -> tuple[set[str], dict[str, str]]:
    """Fetch every file not already in place; (URLs now served locally, url -> why it failed).

    A file edited or deleted since the last import, or one the importer did not write, is left as it is
    (and used when it exists).
    """
    local: set[str] = set()
    failures: dict[str, str] = {}
    jobs = []
    for url, media in files.items():
        status, target = writer.status_of(media.rel, "")
        if status == "added":
            jobs.append((media, target))
            continue
        writer.statuses[media.rel] = "unchanged" if status == "changed" else status
        if target.exists():
            local.add(url)
    if jobs and not writer.dry_run:
        local |= run_sync(_download_all(jobs, max_bytes, writer, failures))
    elif jobs:
        for media, _ in jobs:
            writer.statuses[media.rel] = "added"
            local.add(media.url)
    return local, failures

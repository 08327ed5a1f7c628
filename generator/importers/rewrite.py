"""Links inside imported content: the old site's URLs -> the new site's.

    https://old.se/wp-content/uploads/a.jpg   -> /wp-content/uploads/a.jpg   (when it was downloaded)
    https://old.se/2019/05/hello/             -> /blog/hello/
    https://old.se/?p=12, /?page_id=7         -> the new URL of post 12 / page 7
Anything else (other hosts, the old site's archives, feeds) is left as it is. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

from generator.importers.placement import ExportIndex, old_path


class LinkRewriter:
    def __init__(self, index: ExportIndex, media: Mapping[str, str]) -> None:
        self.media = media  # remote URL -> local URL, only for files that are in static/
        self.hosts = {urlsplit(u).netloc.lower().removeprefix("www.") for u in
                      (index.channel.link, index.channel.base_site_url, index.channel.base_blog_url) if u}
        self.by_path: dict[str, str] = {}
        self.by_id: dict[str, str] = {}
        for entry in index.entries.values():
            self.by_id[str(entry.post_id)] = entry.url
            path = old_path(entry.link)
            if path:
                self.by_path[path.rstrip("/")] = entry.url

    def __call__(self, url: str) -> str:
        local = self.media.get(url)
        if local is not None:
            return local
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc.lower().removeprefix("www.") not in self.hosts:
            return url
        if parts.query:
            query = parse_qs(parts.query)
            for key in ("p", "page_id"):
                target = self.by_id.get((query.get(key) or [""])[0])
                if target and parts.path.strip("/") in ("", "index.php"):
                    return target + (f"#{parts.fragment}" if parts.fragment else "")
            return url
        path = old_path(url)
        target = self.by_path.get(path.rstrip("/")) if path else None
        return target + (f"#{parts.fragment}" if parts.fragment else "") if target else url

"""`shelfpress import wordpress EXPORT.xml`: move a WordPress (+ Shopello plugin) site into a shelfpress site.

    pass 1   scan_export        read the whole export: a bad file fails here, before anything is written
    place                       every post and page gets its file and URL; old permalinks become aliases
    media                       --media download: fetch attachments and uploads into static/ (or link them)
    pass 2   page_file          each item -> front matter + Markdown, written through the manifest
    ids                         static/wordpress-ids.json: ?p=ID / ?page_id=ID -> new URL (the theme's
                                js/wordpress-urls.js redirects with it)
    report                      content/.wordpress-import/report.md and the manifest

The click group parses options and calls `import_wordpress`; the work lives in `generator.importers`.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit
from pathlib import Path
import click

from generator.core.console import Reporter
from generator.config.schema import load_config
from generator.core.errors import ConfigError
from generator.importers.manifest import SiteWriter
from generator.importers.media import download, place_media
from generator.importers.page_file import PageInputs, page_file
from generator.importers.placement import aliases, place, scan_export
from generator.importers.report import ImportReport
from generator.importers.rewrite import LinkRewriter
from generator.importers.shopello_lists import load_lists
from generator.importers.wxr import read_wxr

REPORT = "content/.wordpress-import/report.md"
ID_MAP = "static/wordpress-ids.json"


def import_wordpress(site_dir: Path, export: Path, *, lists_file: Path | None = None, media: str = "link",
                     dry_run: bool = False, posts_dir: str = "blog", max_media_bytes: int = 50 * 1024 * 1024,
                     reporter: Reporter | None = None) -> ImportReport:
    """Import `export` into the site at `site_dir`; raise a ShelfpressError (nothing written) for bad input."""
    reporter = reporter or Reporter()
    if not (site_dir / "shelfpress.toml").is_file():
        raise ConfigError(f"{site_dir}: no shelfpress.toml here; create the site first with "
                          f"`shelfpress new {site_dir}` or pass -C SITE")
    lists = load_lists(lists_file) if lists_file is not None else None
    writer = SiteWriter(site_dir, dry_run=dry_run)
    max_bytes = load_config(site_dir).max_content_size  # what the build will accept
    index = scan_export(export)
    place(index, posts_dir)
    report = ImportReport(dry_run=dry_run, skipped_items=dict(index.skipped), refused=list(index.refused))
    for line in index.refused:
        reporter.warn(f"{export}: {line}", kind="item refused")

    files = place_media(index.media_urls) if media == "download" else {}
    writer.check_all([e.file for e in index.entries.values()] + [m.rel for m in files.values()] + [ID_MAP, REPORT])
    local, report.media_failures = download(files, writer, max_media_bytes)
    for url, why in report.media_failures.items():
        reporter.warn(f"{url}: not downloaded ({why}); the content links to the old site", kind="media download")
    rewrite = LinkRewriter(index, {url: files[url].local_url for url in local})
    old_paths = aliases(index)
    inputs = PageInputs(index.attachments, index.children, index.channel.authors, old_paths, rewrite, lists)

    ids: dict[str, str] = {}
    too_big: list[str] = []
    home = "/" + urlsplit(index.channel.base_blog_url or index.channel.link).path.strip("/") + "/"
    home = "/" if home == "//" else home
    for item in read_wxr(export):
        entry = index.entries.get(item.post_id)
        if entry is None:
            continue
        made = page_file(item, entry, inputs)
        data = made.text.encode("utf-8")
        writer.write(entry.file, data)
        if len(data) > max_bytes:
            too_big.append(f"{entry.file}: is {len(data):,} bytes, over the max_content_size limit of "
                           f"{max_bytes:,} bytes, so the build will refuse it; split it or raise "
                           "max_content_size in shelfpress.toml")
            reporter.warn(too_big[-1], kind="over max_content_size")
        _count(report, entry.post_type, entry.status != "publish" or bool(item.password), made.listing)
        for name in made.unknown_shortcodes:
            report.unknown(name, entry.file)
        report.to_check += [f"{entry.file}: {note}" for note in made.notes]
        if entry.status == "publish" and not item.password:
            ids[str(entry.post_id)] = entry.url
            report.redirects += [(old, entry.url) for old in old_paths.get(entry.post_id, [])]
            report.redirects += [(f"{home}?{key}={entry.post_id}", entry.url) for key in
                                 (("p", "page_id") if entry.post_type == "page" else ("p",))]
    for line in report.to_check:
        reporter.warn(line, kind="page to check")
    report.to_check += too_big
    writer.write(ID_MAP, (json.dumps(dict(sorted(ids.items(), key=lambda kv: int(kv[0]))), indent=0) + "\n")
                 .encode())
    report.files, report.reasons = dict(writer.statuses), dict(writer.reasons)
    writer.write_own(REPORT, report.markdown().encode("utf-8"))
    writer.save()
    return report


def _count(report: ImportReport, post_type: str, draft: bool, listing: bool) -> None:
    if post_type == "page":
        report.pages += 1
    else:
        report.posts += 1
    report.drafts += draft
    report.listings += listing


@click.group("import")
def import_group() -> None:
    """Bring content over from another system."""


@import_group.command("wordpress")
@click.argument("export", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-C", "--site", "site_dir", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="The site folder (holds shelfpress.toml).")
@click.option("--shopello-lists", "lists_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The Shopello plugin's lists: `wp option get shopello_list --format=json > lists.json`.")
@click.option("--media", type=click.Choice(["download", "link"]), default="link", show_default=True,
              help="download: fetch images into static/; link: keep them on the old site.")
@click.option("--posts-dir", default="blog", show_default=True, help="Folder (and URL) for posts.")
@click.option("--max-media-mb", type=click.IntRange(1), default=50, show_default=True,
              help="Largest media file downloaded.")
@click.option("--dry-run", is_flag=True, help="List what would be added, changed and skipped; write nothing.")
def wordpress_command(export: Path, site_dir: Path, lists_file: Path | None, media: str, posts_dir: str,
                      max_media_mb: int, dry_run: bool) -> None:
    """Import a WordPress export (Tools → Export, WXR 1.1/1.2) into the site's content/ and static/."""
    reporter = Reporter()
    posts_dir = posts_dir.strip("/")
    if "/" in posts_dir or posts_dir in (".", ".."):
        raise click.BadParameter("one folder name, like blog", param_hint="--posts-dir")
    report = import_wordpress(site_dir, export, lists_file=lists_file, media=media, dry_run=dry_run,
                              posts_dir=posts_dir, max_media_bytes=max_media_mb * 1024 * 1024, reporter=reporter)
    reporter.flush_groups()
    if dry_run:
        for line in report.file_lines():
            click.echo(line)
    click.echo(report.summary() + ("" if dry_run else f". Report: {site_dir / REPORT}"))

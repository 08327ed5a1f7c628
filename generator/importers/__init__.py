"""Importers: content from other systems into a shelfpress site (today: WordPress WXR exports).

    wxr.py             streaming WXR reader (defusedxml iterparse, bounded memory, one-line errors)
    placement.py       pass 1: index the export, place every post/page, old permalinks -> aliases
    html_markdown.py   post HTML (classic or Gutenberg) -> Markdown
    wp_shortcodes.py   [caption], [gallery], [embed], Shopello shortcodes -> shelfpress equivalents
    shopello_lists.py  the Shopello plugin's list definitions -> `listing:` front matter
    page_file.py       one item -> front matter + Markdown
    rewrite.py         old-site links and media URLs -> new ones
    media.py           media files -> static/, downloaded concurrently, resumable, size-limited
    manifest.py        every write: inside content/ and static/ only, never over a file edited since
    report.py          the summary and content/.wordpress-import/report.md

The command `shelfpress import wordpress` (generator/commands/importer.py) runs them in that order.
"""

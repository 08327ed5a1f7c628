"""Theme CSS and JS published minified, and each page's critical CSS inline before a sheet that does not block
the first paint (render/stylesheets.py). That the first paint looks exactly as the full page does is checked in
real Chromium (tests/browser/test_theme_browser.py); here: which rules a page carries, and that nothing else
changes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.config.schema import load_config
from generator.config.themes import BUILTIN_THEMES
from generator.render.stylesheets import StyleSheet, ThemeAssets, minify, page_words
from tests.support.sites import SMALL_CONFIG, run, write_site

SHEETS = sorted(BUILTIN_THEMES.rglob("*.css"))


@pytest.mark.parametrize("path", SHEETS, ids=lambda p: p.name)
def test_a_page_with_every_word_carries_the_whole_sheet_in_order(path: Path) -> None:
    css = minify(path).decode().strip()
    sheet = StyleSheet.parse(css)
    assert sheet.critical(sheet.universe) == css


def rules(css: str, *words: str) -> str:
    return StyleSheet.parse(css).critical(frozenset(words))


def test_a_rule_is_kept_when_a_selector_can_match_the_page() -> None:
    css = ".a{x:1}.b,.c .d{x:2}main>.e:hover::before{x:3}#f{x:4}.g.h{x:5}"
    assert rules(css, "a") == ".a{x:1}"
    assert rules(css, "c", "d") == ".b,.c .d{x:2}"  # one selector of a list suffices; the rule is kept whole
    assert rules(css, "c") == ""
    assert rules(css, "e") == ""  # needs the element too
    assert rules(css, "main", "e", "f") == "main>.e:hover::before{x:3}#f{x:4}"
    assert rules(css, "g") == ""


def test_what_a_selector_excludes_or_tests_is_not_required() -> None:
    css = ".a:not(.b){x:1}.c:is(.d,.e) p{x:2}[hidden]{x:3}a[href^='x,y']{x:4}*,:root{x:5}.\\31 x{x:6}"
    assert rules(css, "a", "c", "p") == ".a:not(.b){x:1}.c:is(.d,.e) p{x:2}[hidden]{x:3}a[href^='x,y']{x:4}" \
        "*,:root{x:5}.\\31 x{x:6}"
    assert rules(css) == "[hidden]{x:3}*,:root{x:5}.\\31 x{x:6}"


def test_at_rules_keep_their_place() -> None:
    css = ("@charset \"utf-8\";@media (max-width:5px){.a{x:1}.b{x:2}}@supports (display:grid){@media print{.a{y:1}}}"
           "@keyframes spin{0%{r:0}to{r:1}}@font-face{font-family:F;src:url(f.woff2)}.s{content:\"}{\"}")
    assert rules(css, "a") == ("@charset \"utf-8\";@media (max-width:5px){.a{x:1}}@supports (display:grid)"
                               "{@media print{.a{y:1}}}@keyframes spin{0%{r:0}to{r:1}}@font-face{font-family:F;"
                               "src:url(f.woff2)}")
    assert rules(css, "s").endswith('.s{content:"}{"}')


def test_page_words_are_its_elements_classes_ids_and_inline_script_words() -> None:
    html = ('<html class="no-js"><head><script>document.documentElement.className="js"</script>'
            '<script src="x.js">ignored</script></head><body><main id=main class=\'a  b\'><P>x</P></main>')
    assert page_words(html) >= {"html", "head", "script", "body", "main", "p", "no-js", "js", "a", "b"}
    assert "ignored" not in page_words(html)


def site_with_sheets(tmp_path: Path, *, inline: bool = True) -> Path:
    return write_site(tmp_path / "site", {
        "content/index.md": "---\ntitle: Home\n---\nHello.\n",
        "static/css/site.css": "/* the publisher's own */\n.site-only { background: url(../img/bg.png); }\n",
        "static/js/own.js": "// kept as written\nvar a = 1;\n",
        "static/js/lib.min.js": "var b=2;\n",
        "themes/mine/static/css/mine.css": "/* mine */\n.prose  p { color: red; }\n.unused { color: blue; }\n",
        "themes/mine/static/js/mine.js": "// a comment\nvar answer = 40 + 2;\n",
        "themes/mine/templates/partials/theme-head.html":
            '<link rel="stylesheet" href="{{ \'/css/mine.css\' | url }}">\n'
            '<link rel="stylesheet" href="{{ \'/css/site.css\' | url }}" media="print">\n'
            '<link rel="stylesheet" href="https://cdn.example.com/x.css">\n'
            '<link rel="stylesheet" href="{{ \'/css/site.css\' | url }}">\n',
    }, config=SMALL_CONFIG + 'theme = "mine"\n' + f"[build]\ninline_critical_css = {str(inline).lower()}\n")


def test_theme_assets_are_published_minified_and_the_sites_own_as_written(tmp_path: Path) -> None:
    site = site_with_sheets(tmp_path)
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    public = site / "public"
    assert (public / "css/mine.css").read_text() == ".prose p{color:red}.unused{color:blue}"
    assert (public / "js/mine.js").read_text() == "var answer=40+2;"
    assert (public / "js/own.js").read_bytes() == (site / "static/js/own.js").read_bytes()
    assert (public / "css/site.css").read_bytes() == (site / "static/css/site.css").read_bytes()
    assert (public / "js/lib.min.js").read_bytes() == b"var b=2;\n"
    style = (public / "css/style.css").read_text()  # the default theme's, under "mine"
    assert "/*" not in style and len(style) < 0.85 * len((BUILTIN_THEMES / "default/static/css/style.css").read_text())


def test_each_local_sheet_becomes_critical_css_and_a_link_that_does_not_block(tmp_path: Path) -> None:
    site = site_with_sheets(tmp_path)
    assert run("build", "-C", str(site)).exit_code == 0
    html = (site / "public/index.html").read_text()
    head = html[:html.index("</head>")]
    blocking = [link for link in re.findall(r"<link [^>]*>", head) if 'rel="stylesheet"' in link
                and "media=" not in link and "<noscript>" + link not in head]
    assert blocking == ['<link rel="stylesheet" href="https://cdn.example.com/x.css">']  # not ours: left alone
    assert '<style>.prose p{color:red}</style><link rel="stylesheet" href="/repo/css/mine.css" media="print" ' \
           'onload="this.media=\'all\'"><noscript><link rel="stylesheet" href="/repo/css/mine.css"></noscript>' in head
    assert '<link rel="stylesheet" href="/repo/css/site.css" media="print">' in head  # a link with media: kept
    assert ".site-only" not in head  # no element of the page has it
    assets = ThemeAssets(load_config(site))
    page = '<head><link rel="stylesheet" href="/repo/css/site.css"></head><p class="site-only">'
    assert "url(/repo/img/bg.png)" in assets.inline_critical(page)  # relative to the sheet, not the page


def test_without_the_setting_pages_keep_their_style_sheet_links_as_written(tmp_path: Path) -> None:
    """Inlining is the publisher's choice (on in the starter): off, a page's head is what its template wrote."""
    site = site_with_sheets(tmp_path, inline=False)
    assert run("build", "-C", str(site)).exit_code == 0
    head = (site / "public/index.html").read_text().split("</head>")[0]
    assert "<style>" not in head and '<link rel="stylesheet" href="/repo/css/mine.css">' in head
    assert (site / "public/css/mine.css").read_text() == ".prose p{color:red}.unused{color:blue}"  # still minified


def test_editing_a_sheet_rebuilds_the_pages_that_inline_it(tmp_path: Path) -> None:
    site = site_with_sheets(tmp_path)
    assert run("build", "-C", str(site)).exit_code == 0
    sheet = site / "themes/mine/static/css/mine.css"
    sheet.write_text(sheet.read_text().replace("red", "green"))
    assert run("build", "-C", str(site)).exit_code == 0
    assert "<style>.prose p{color:green}</style>" in (site / "public/index.html").read_text()


def test_a_closing_tag_in_a_css_string_cannot_end_the_style_element(tmp_path: Path) -> None:
    site = site_with_sheets(tmp_path)
    (site / "themes/mine/static/css/mine.css").write_text('p::after { content: "</style><b>"; }\n')
    assets = ThemeAssets(load_config(site))
    html = assets.inline_critical('<head><link rel="stylesheet" href="/repo/css/mine.css"></head><p>x')
    assert '<style>p::after{content:"<\\/style><b>"}</style>' in html

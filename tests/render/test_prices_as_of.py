"""The "Prices as of" note (`[prices] as_of`): its wording, date pattern and time zone from config, in the site's
language; every price block of a built site carries it; a bad key is one line; without it nothing changes."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from generator.config.schema import PricesConfig, load_config
from generator.render.prices_as_of import prices_as_of
from tests.products.test_offers import CHAIRS, CONFIG, LISTING, SECRET
from tests.support.products import catalog_site
from tests.support.sites import run

MOMENT = 1_796_562_300  # 2026-12-06 13:05 UTC, 14:05 in Stockholm


def config_of(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    (tmp_path / "shelfpress.toml").write_text(text)
    return load_config(tmp_path)


def test_the_note_speaks_the_site_language_in_its_zone(tmp_path: Path) -> None:
    sv = config_of(tmp_path, 'language = "sv"\n[prices]\nas_of = true\ntimezone = "Europe/Stockholm"\n')
    assert prices_as_of(sv, MOMENT) == "Priser uppdaterade 6 dec. 14:05"
    en = dataclasses.replace(sv, language="en", locale="", prices=PricesConfig(as_of=True))
    assert prices_as_of(en, MOMENT) == "Prices updated 6 Dec 13:05"
    own = dataclasses.replace(en, prices=PricesConfig(as_of=True, as_of_text="Checked {date}.",
                                                        as_of_format="yyyy-MM-dd"))
    assert prices_as_of(own, MOMENT) == "Checked 2026-12-06."
    assert prices_as_of(dataclasses.replace(en, prices=PricesConfig()), MOMENT) == ""


@pytest.mark.parametrize("entry,message", [
    ('as_of_text = "Prices checked"', "has no {date}"),
    ('timezone = "Mars/Olympus"', "unknown time zone 'Mars/Olympus'"),
    ('as_of_format = ""', "expected a CLDR date pattern"),
])
def test_a_bad_key_is_one_line_naming_it(tmp_path: Path, entry: str, message: str) -> None:
    site = catalog_site(tmp_path / "s", CHAIRS, {"content/chairs/index.md": LISTING},
                        config=CONFIG + f"\n[prices]\nas_of = true\n{entry}\n")
    result = run("build", "-C", str(site))
    assert result.exit_code == 1 and "Traceback" not in result.output
    line = next(line for line in result.output.splitlines() if message in line)
    assert "shelfpress.toml:" in line and "prices." in line


def test_every_price_block_says_when_its_prices_were_fetched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", SECRET)
    article = ('---\ntitle: Picks\n---\n{{< products query="chair" limit=2 />}}\n\n'
               '{{< compare product_id="10,20" fields="price,store" />}}\n\n{{< offers product_id=10 />}}\n')
    site = catalog_site(tmp_path / "s", CHAIRS, {"content/chairs/index.md": LISTING, "content/picks.md": article},
                        config=CONFIG + '\n[prices]\nas_of = true\nas_of_format = "d MMM yyyy HH:mm"\n')
    note = '<p class="prices-as-of" style="color:var(--muted,#57534e);font-size:.875rem;margin:.5rem 0 0">' \
           '{}</p>'
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(MOMENT))
    assert run("build", "-C", str(site)).exit_code == 0
    first = note.format("Prices updated 6 Dec 2026 13:05")
    public = site / "public"
    assert (public / "chairs/index.html").read_text().count(first) == 1  # the listing
    assert (public / "p/7350012345679/index.html").read_text().count(first) == 2  # price block, where to buy
    assert (public / "p/30-plain-chair/index.html").read_text().count(first) == 1
    assert (public / "picks/index.html").read_text().count(first) == 3  # products, compare, offers
    assert "prices-as-of" not in (public / "index.html").read_text()  # no prices, no note

    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(MOMENT + 3600))  # a later build, nothing else changed
    result = run("build", "-C", str(site))
    assert result.exit_code == 0 and "Nothing changed" not in result.output
    later = note.format("Prices updated 6 Dec 2026 14:05")
    assert later in (public / "p/30-plain-chair/index.html").read_text()
    assert later in (public / "picks/index.html").read_text() and first not in (public / "picks/index.html").read_text()


def test_without_the_note_no_page_mentions_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", SECRET)
    site = catalog_site(tmp_path / "s", CHAIRS, {"content/chairs/index.md": LISTING}, config=CONFIG)
    assert run("build", "-C", str(site)).exit_code == 0
    assert not [p for p in (site / "public").rglob("*.html") if re.search("prices-as-of|Prices updated", p.read_text())]

"""The revenue dashboard's "what to fix first": pages `links check` found broken, beside their channel's money."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from generator.config.schema import load_config
from generator.affiliate.revenue.broken import broken_pages
from generator.affiliate.revenue.ledger import Ledger
from generator.affiliate.revenue.models import TrafficRow
from generator.affiliate.revenue.periods import Period
from generator.affiliate.revenue.settings import ledger_path
from tests.support.sites import SMALL_CONFIG, run, write_site

GONE = 999999999
DAY = dt.date.today() - dt.timedelta(days=3)
PERIOD = Period(DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=1))


def pinned(title: str, channel: str = "") -> str:
    extra = f"channel: \"{channel}\"\n" if channel else ""
    return f'---\ntitle: {title}\n{extra}---\n{{{{< products product_id="{GONE}" />}}}}\n'


def test_breaks_come_with_their_channels_money_costliest_first(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {
        "content/guider/index.md": "---\ntitle: Guider\nchannel: \"101\"\n---\n",
        "content/guider/matta.md": pinned("Matta"),  # the section's channel
        "content/lampor.md": pinned("Lampor", channel="202"),
        "content/tyst.md": pinned("Tyst"),  # [links] channel: none
        "content/ok.md": "---\ntitle: OK\n---\nFine.\n",
    }, config=SMALL_CONFIG)
    assert run("links", "check", "-C", str(site)).exit_code == 0
    config = load_config(site)
    with Ledger(ledger_path(config)) as ledger:
        ledger.record_traffic("total", [(DAY, TrafficRow("", "", 60, 30.0, "SEK"))])
        ledger.record_traffic("channel", [(DAY, TrafficRow("101", "Guides", 10, 2.0, "SEK")),
                                          (DAY, TrafficRow("202", "Lamps", 50, 28.0, "SEK"))])

    out = tmp_path / "dash.html"
    result = run("revenue", "dashboard", "-C", str(site), "-o", str(out), "--from", PERIOD.start.isoformat(),
                 "--to", PERIOD.end.isoformat())
    assert result.exit_code == 0, result.output
    page = out.read_text()
    table = page[page.index('data-table="broken"'):]
    table = table[table.index("<tbody>"):table.index("</table>")]
    rows = [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL)]
    assert [(r[0].split()[0], r[2], r[3], r[4]) for r in rows] == [
        ("/lampor/", "202", "50", "28.00"), ("/guider/matta/", "101", "10", "2.00"), ("/tyst/", "(none)", "0", "0.00")]
    # the pinned product is gone, so the shortcode shows nothing: two problems, the first shown
    assert rows[0][1].startswith(f"content/lampor.md:5: products shortcode: product {GONE} is gone")
    assert rows[0][1].endswith("and 1 more")
    assert "/ok/" not in table


def test_no_breaks_no_section(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {"content/ok.md": "---\ntitle: OK\n---\nFine.\n"}, config=SMALL_CONFIG)
    assert run("links", "check", "-C", str(site)).exit_code == 0
    out = tmp_path / "dash.html"
    assert run("revenue", "dashboard", "-C", str(site), "-o", str(out)).exit_code == 0
    assert 'data-table="broken"' not in out.read_text()


def test_rows_group_a_pages_problems_and_escape_nothing_themselves() -> None:
    ledger = Ledger(":memory:")
    breaks = [{"page": "/a/", "file": "content/a.md", "line": 3, "message": "one <b>", "channel": "9"},
              {"page": "/a/", "file": "content/a.md", "line": 7, "message": "two", "channel": "9"}]
    (row,) = broken_pages(ledger, PERIOD, breaks, places={"9": "section:a"})
    assert row.problems == ("content/a.md:3: one <b>", "content/a.md:7: two") and row.channel == "section:a"

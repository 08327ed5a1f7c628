"""generator/config/channelmap.py: the read-only channel map `channels sync` writes and the build reads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator.config.channelmap import ChannelMap, read_channel_map, write_channel_map
from generator.config.schema import load_config
from generator.core.errors import ConfigError
from generator.affiliate.signing import verify_url
from generator.products.widgets.spec import widget_specs
from tests.support.sites import BASIC_CONFIG, run, write_site

WIDGETS = BASIC_CONFIG + """
[links]
channel = "777"

[widgets.lamps]
query = "lampa"
count = 2

[widgets.fixed]
query = "lampa"
count = 2
channel = "555"
"""


def _with_map(site: Path, channels: dict[str, str]) -> None:
    write_channel_map(site / ".shelfpress" / "channels.json", channels, {})


def test_round_trip_and_read_only(tmp_path: Path) -> None:
    path = tmp_path / "channels.json"
    write_channel_map(path, {"widget:lamps": "901", "home": "1"}, {"home": ("Site", "https://x.example/")})
    assert json.loads(path.read_text())["channels"]["home"] == {"id": "1", "name": "Site", "uri": "https://x.example/"}
    channels = read_channel_map(path)
    assert dict(channels) == {"home": "1", "widget:lamps": "901"}
    assert channels.for_section("", "0") == "1" and channels.for_section("guider", "0") == "0"
    assert channels.for_widget("lamps", "0") == "901"
    with pytest.raises(TypeError):
        channels["home"] = "2"  # type: ignore[index]
    assert read_channel_map(tmp_path / "missing.json") == ChannelMap()


def test_a_corrupt_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "channels.json").write_text("{nope")
    with pytest.raises(ConfigError, match="channels.json: is not a channels state file"):
        read_channel_map(tmp_path / "channels.json")


def test_widgets_take_their_own_channel(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {}, WIDGETS)
    assert {s.name: s.channel for s in widget_specs(load_config(site), [])} == {"fixed": "555", "lamps": "777"}
    _with_map(site, {"widget:lamps": "901", "widget:fixed": "902"})
    # the map fills in the default; a channel written in the widget's table still wins
    assert {s.name: s.channel for s in widget_specs(load_config(site), [])} == {"fixed": "555", "lamps": "901"}


def test_widget_links_are_signed_with_the_widget_channel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", "s3cret-for-tests")
    site = write_site(tmp_path / "site", {}, WIDGETS)
    _with_map(site, {"widget:lamps": "901"})
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    items = json.loads((site / "public/widgets/lamps.json").read_text())["items"]
    checks = [verify_url(item["click"], "s3cret-for-tests") for item in items]
    assert checks and all(c.valid and c.unverified_data["channel"] == "901" for c in checks)


def test_products_plan_does_not_import_the_revenue_package() -> None:
    code = ("import sys, generator.products.query_plan, generator.products.widgets.spec; "
            "print(sorted(m for m in sys.modules if m.startswith('generator.affiliate.revenue')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

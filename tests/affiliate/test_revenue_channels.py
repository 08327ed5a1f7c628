"""Channels sync: places from the site, the plan, --dry-run, the state file, load_channel_map."""

from __future__ import annotations

import json

import pytest

from generator.config.schema import load_config
from generator.config.channelmap import load_channel_map
from tests.support.sites import run, write_site
from tests.support.partner_server import PartnerServer

pytestmark = pytest.mark.server
PASSWORD = "partner-pw-42"


def site(tmp_path, server):
    config = f"""\
title = "Test site"
base_url = "https://user.github.io/repo/"

[revenue]
partner_base = "{server.url}"
partner_username = "partner"
partner_password_env = "TEST_PARTNER_PW"

[widgets.sidebar]
query = "lampa"

[widgets.footer]
url = "/embed/footer.html"
"""
    return write_site(tmp_path / "site", {"content/index.md": "# Home\n", "content/guider/index.md": "# Guider\n",
                                          "content/guider/lampor.md": "# Lampor\n", "content/om.md": "# Om\n"},
                      config)


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("TEST_PARTNER_PW", PASSWORD)
    with PartnerServer(password=PASSWORD) as running:
        yield running


def test_dry_run_shows_the_plan_and_changes_nothing(tmp_path, server):
    root = site(tmp_path, server)
    result = run("channels", "sync", "--dry-run", "-C", str(root))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[:2] for line in lines[:4]] == [["create", "home"], ["create", "section:guider"],
                                                         ["create", "widget:footer"], ["create", "widget:sidebar"]]
    assert "https://user.github.io/repo/guider/" in lines[1]
    assert "https://user.github.io/repo/embed/footer.html" in lines[2]
    assert "https://user.github.io/repo/widgets/sidebar/" in lines[3]
    assert "Dry run: 4 change(s)" in result.output
    assert server.channels == {} and not (root / ".shelfpress" / "channels.json").exists()


def test_sync_creates_records_and_is_idempotent(tmp_path, server):
    root = site(tmp_path, server)
    assert run("channels", "sync", "-C", str(root)).exit_code == 0
    assert sorted(c["uri"] for c in server.channels.values())[0] == "https://user.github.io/repo/"
    state = json.loads((root / ".shelfpress" / "channels.json").read_text())
    mapping = load_channel_map(load_config(root))
    assert set(mapping) == {"home", "section:guider", "widget:footer", "widget:sidebar"}
    assert state["channels"]["section:guider"]["id"] == mapping["section:guider"]
    assert server.channels[mapping["section:guider"]] == {"name": "Test site / Guider",
                                                          "uri": "https://user.github.io/repo/guider/"}
    again = run("channels", "sync", "-C", str(root))
    assert "0 change(s) made" in again.output and len(server.channels) == 4
    assert load_channel_map(load_config(root)) == mapping


def test_sync_updates_renamed_adopts_by_uri_and_keeps_orphans(tmp_path, server):
    root = site(tmp_path, server)
    server.channels["55"] = {"name": "old name", "uri": "https://user.github.io/repo/guider/"}
    run("channels", "sync", "-C", str(root))
    assert load_channel_map(load_config(root))["section:guider"] == "55"
    assert server.channels["55"]["name"] == "Test site / Guider"
    server.channels["55"]["name"] = "renamed in partner admin"
    (root / "shelfpress.toml").write_text((root / "shelfpress.toml").read_text().replace(
        '[widgets.footer]\nurl = "/embed/footer.html"\n', ""))
    result = run("channels", "sync", "--dry-run", "-C", str(root))
    assert any(line.startswith("update  section:guider") for line in result.output.splitlines())
    assert any(line.startswith("orphan  widget:footer") for line in result.output.splitlines())
    run("channels", "sync", "-C", str(root))
    assert server.channels["55"]["name"] == "Test site / Guider"
    assert "widget:footer" in load_channel_map(load_config(root))


def test_channels_list(tmp_path, server):
    server.channels["9"] = {"name": "Mine", "uri": "https://x.example/"}
    result = run("channels", "list", "-C", str(site(tmp_path, server)))
    assert "9  Mine  <https://x.example/>" in result.output


def test_no_state_file_is_an_empty_map(tmp_path, server):
    assert load_channel_map(load_config(site(tmp_path, server))) == {}


def test_a_corrupt_state_file_names_the_file(tmp_path, server):
    root = site(tmp_path, server)
    (root / ".shelfpress").mkdir()
    (root / ".shelfpress" / "channels.json").write_text("{nope")
    result = run("channels", "sync", "-C", str(root))
    assert result.exit_code == 1 and "channels.json: is not a channels state file" in result.output

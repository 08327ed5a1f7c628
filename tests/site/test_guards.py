"""Guards against publishing an empty or broken shop (issue 30): the shrink guard against a real Shopello
API on 127.0.0.1, a catalog file that is no catalog, leftovers of a killed build, a push the remote
rejects (a bare repository with a pre-receive hook) and links that cannot be signed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.sites import SMALL_CONFIG, run, tree, write_site
from tests.support.memory_backend import MemoryBackend
from tests.support.shopello_server import ShopelloServer

PAGES = {"content/index.md": "---\ntitle: Home\n---\nWelcome.\n",
         "content/lampor.md": "---\ntitle: Lampor\nlisting:\n  query: lampa\n  per_page: 50\n---\nAlla lampor.\n"}
API_KEY = "guard-api-key-5f2e"
API_CONFIG = SMALL_CONFIG + """
[source]
kind = "shopello"
api_base = "{url}"
api_key_env = "GUARD_SHOPELLO_KEY"
retries = 0
cache_ttl = 0
{extra}
"""


def one_line_failure(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1 and lines[-1] == errors[0], result.output  # one line, after the build's report
    return errors[0]


def product_pages(public: Path) -> list[str]:
    return [key for key in tree(public) if key.startswith("p/")]


# -- the shrink guard ------------------------------------------------------------------------------

@pytest.mark.server
@pytest.mark.parametrize("keep", [0, 1])
def test_an_api_answering_no_or_few_products_leaves_the_live_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  keep: int) -> None:
    monkeypatch.setenv("GUARD_SHOPELLO_KEY", API_KEY)
    backend = MemoryBackend.from_fixtures()
    with ShopelloServer(backend, api_key=API_KEY) as server:
        site = write_site(tmp_path / "shop", PAGES, config=API_CONFIG.format(url=server.url, extra=""))
        assert run("build", "-C", str(site)).exit_code == 0
        before = tree(site / "public")
        live = len(product_pages(site / "public"))
        assert live >= 4
        backend._products[keep:] = []  # the API answers 200 with no (or one) product
        line = one_line_failure("build", "-C", str(site))
        assert f"would publish {keep or 'no'} products where the live site has {live}" in line, line
        assert "Shopello API answered" in line and "GUARD_SHOPELLO_KEY" in line and "--allow-shrink" in line
        assert API_KEY not in line
        assert tree(site / "public") == before  # the live site untouched
        assert one_line_failure("build", "-C", str(site)) == line  # and again: the failure records nothing
        result = run("build", "-C", str(site), "--allow-shrink")
        assert result.exit_code == 0, result.output
        assert len(product_pages(site / "public")) == keep


@pytest.mark.server
def test_max_shrink_sets_the_share_a_build_may_drop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARD_SHOPELLO_KEY", API_KEY)
    backend = MemoryBackend.from_fixtures()
    with ShopelloServer(backend, api_key=API_KEY) as server:
        config = API_CONFIG.format(url=server.url, extra="[build]\nmax_shrink = 0.9\n")
        site = write_site(tmp_path / "shop", PAGES, config=config)
        assert run("build", "-C", str(site)).exit_code == 0
        live = len(product_pages(site / "public"))
        lamps = [p for p in backend._products if "lampa" in p.name.lower()]
        backend._products[:] = lamps[: live // 2]  # half the shop: allowed at 0.9, refused at 0.25
        assert run("build", "-C", str(site)).exit_code == 0
        kept = len(product_pages(site / "public"))
        (site / "shelfpress.toml").write_text(config.replace("0.9", "0.25"))
        backend._products[:] = lamps[: kept // 3]
        line = one_line_failure("build", "-C", str(site))
        assert "more than [build] max_shrink = 0.25 allows" in line, line


def test_max_shrink_must_be_a_share(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", PAGES, config=SMALL_CONFIG + "[build]\nmax_shrink = 2\n")
    assert "build.max_shrink: expected a share from 0 to 1" in one_line_failure("build", "-C", str(site))


def test_an_emptied_catalog_is_refused_until_allowed(tmp_path: Path) -> None:
    config = SMALL_CONFIG + '[source]\ncatalog = "data/catalog.sqlite"\n'
    site = write_site(tmp_path / "s", PAGES, config=config)
    demo = Path(__file__).resolve().parents[2] / "generator/assets/data/demo-products.jsonl"
    assert run("catalog", "import", "-C", str(site), str(demo)).exit_code == 0
    assert run("build", "-C", str(site)).exit_code == 0
    before = tree(site / "public")
    with sqlite3.connect(site / "data/catalog.sqlite") as conn:
        conn.execute("DELETE FROM products")
    conn.close()
    line = one_line_failure("build", "-C", str(site))
    assert "would publish no products" in line and "the catalog data/catalog.sqlite is empty" in line
    assert tree(site / "public") == before


def test_deploy_keeps_the_published_site_when_the_catalog_is_emptied(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", PAGES, config=SMALL_CONFIG + '[source]\ncatalog = "data/catalog.sqlite"\n')
    demo = Path(__file__).resolve().parents[2] / "generator/assets/data/demo-products.jsonl"
    assert run("catalog", "import", "-C", str(site), str(demo)).exit_code == 0
    www = tmp_path / "www"
    assert run("deploy", "-C", str(site), "--target", str(www)).exit_code == 0
    published = tree(www)
    with sqlite3.connect(site / "data/catalog.sqlite") as conn:
        conn.execute("DELETE FROM products")
    conn.close()
    assert "would publish no products" in one_line_failure("deploy", "-C", str(site), "--target", str(www))
    assert tree(www) == published
    assert run("deploy", "-C", str(site), "--target", str(www), "--allow-shrink").exit_code == 0
    assert not [key for key in tree(www) if key.startswith("p/")]


# -- a file that is no catalog ---------------------------------------------------------------------

@pytest.mark.parametrize(("content", "says"), [
    (b"", "is empty (0 bytes), not a catalog"),
    (b'{"products": []}\n', "is not a catalog (not an SQLite file)"),
    (None, "is an SQLite file but not a catalog (no products table)"),
])
def test_a_file_that_is_no_catalog_is_an_error_not_an_empty_shop(tmp_path: Path, content: bytes | None,
                                                                  says: str) -> None:
    site = write_site(tmp_path / "s", PAGES, config=SMALL_CONFIG + '[source]\ncatalog = "products.sqlite"\n')
    path = site / "products.sqlite"
    if content is None:
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE ledger (x)")
        conn.close()
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    line = one_line_failure("build", "-C", str(site))
    assert says in line and "source.catalog" in line and "shelfpress.toml" in line, line
    assert path.read_bytes() == before  # not turned into a catalog
    assert not (site / "public").exists()


# -- leftovers of a killed build -------------------------------------------------------------------

def test_pagefind_leftovers_are_removed_at_the_next_build_and_ignored_by_the_starter(tmp_path: Path) -> None:
    assert run("new", str(tmp_path / "site")).exit_code == 0
    site = tmp_path / "site"
    assert run("build", "-C", str(site)).exit_code == 0
    leftover = site / ".public.pagefind-k1ll3d" / "pagefind"
    leftover.mkdir(parents=True)
    (leftover / "pagefind.js").write_text("half")
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=site,
                            capture_output=True, text=True, check=True).stdout
    assert ".public" not in status and "public/" not in status, status
    result = run("build", "-C", str(site))  # nothing changed: it stops early, and still cleans up
    assert result.exit_code == 0 and "Nothing changed" in result.output, result.output
    assert not leftover.parent.exists()


# -- deploy ----------------------------------------------------------------------------------------

@pytest.fixture
def git_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Tester")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "tester@example.com")


def git_site(tmp_path: Path, remote: Path, config: str = SMALL_CONFIG) -> Path:
    site = write_site(tmp_path / "site", {**PAGES, ".gitignore": "public/\n.shelfpress-cache/\n"}, config=config)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "source"],
                 ["remote", "add", "origin", str(remote)]):
        subprocess.run(["git", *args], cwd=site, check=True, capture_output=True)
    return site


def test_a_rejected_push_names_the_remotes_reason(tmp_path: Path, git_env: None) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    hook = remote / "hooks/pre-receive"
    hook.write_text("#!/bin/sh\necho 'deploys are frozen until Monday' >&2\nexit 1\n")
    hook.chmod(0o755)
    site = git_site(tmp_path, remote)
    line = one_line_failure("deploy", "-C", str(site))
    assert "git push failed: ! [remote rejected]" in line and "(pre-receive hook declined)" in line, line
    assert "deploys are frozen until Monday" in line
    assert subprocess.run(["git", "rev-parse", "--verify", "-q", "refs/heads/gh-pages"], cwd=remote,
                          capture_output=True).returncode != 0


@pytest.mark.parametrize("where", ["git", "target"])
def test_deploy_refuses_unsigned_links_unless_allowed(tmp_path: Path, git_env: None,
                                                      monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    monkeypatch.delenv("SHOPELLO_SIGNING_SECRET", raising=False)
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    site = git_site(tmp_path, remote, config=SMALL_CONFIG + '[links]\nchannel = "4711"\n')
    args = ["deploy", "-C", str(site)] + (["--target", str(tmp_path / "www")] if where == "target" else [])
    line = one_line_failure(*args)
    assert "refusing to publish: links are not signed" in line and "SHOPELLO_SIGNING_SECRET" in line
    assert "--allow-unsigned" in line
    assert not (tmp_path / "www").exists() and not (site / "public").exists()
    assert run(*args, "--allow-unsigned").exit_code == 0
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", "a-signing-secret-123")
    assert run(*args).exit_code == 0


def test_a_channel_in_front_matter_alone_needs_the_secret_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOPELLO_SIGNING_SECRET", raising=False)
    site = write_site(tmp_path / "s", {**PAGES, "content/tips.md": "---\ntitle: Tips\nchannel: 99\n---\nTips.\n"},
                      config=SMALL_CONFIG)
    assert "channel '99'" in one_line_failure("deploy", "-C", str(site), "--target", str(tmp_path / "www"))


@pytest.mark.server
def test_a_build_killed_while_pagefind_runs_leaves_nothing_after_the_next_build(tmp_path: Path) -> None:
    """kill -9 during the search index (its temp folder exists), then an ordinary build."""
    assert run("new", str(tmp_path / "site")).exit_code == 0
    site = tmp_path / "site"
    build = subprocess.Popen([sys.executable, "-c", "from generator.cli import main; main()", "build", "-C", str(site), "-q"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while not list(site.glob(".public.pagefind-*")):
            assert build.poll() is None and time.monotonic() < deadline, "the build ended before Pagefind ran"
            time.sleep(0.002)
    finally:
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
    assert list(site.glob(".public.pagefind-*"))  # what the killed build left
    assert run("build", "-C", str(site)).exit_code == 0
    assert sorted(p.name for p in site.iterdir() if p.name.startswith(".public")) == []
    assert (site / "public/pagefind/pagefind-entry.json").is_file()

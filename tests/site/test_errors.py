"""Errors, not tracebacks: unreadable and oversized content, unclosed shortcodes and path traversal in front
matter are one line naming file:line; Ctrl+C exits 130 and keeps the previous site."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.sites import BASIC_CONFIG, SMALL_CONFIG, add_files, fails, run, tree, write_site

HOME = {"content/index.md": "---\ntitle: Home\n---\nHi\n"}


def test_unreadable_content_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_site(tmp_path, {**HOME, "content/locked.md": "---\ntitle: L\n---\n"})
    locked = str((site / "content/locked.md").resolve())
    real_access = os.access
    # Tests run as root, for whom chmod 000 still reads: deny the way the kernel would for anyone else.
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: path != locked and real_access(path, mode, **kw))
    out = fails(site, "content/locked.md: cannot be read (permission denied)")
    assert out.count("\n") == 1


def test_fifo_in_content_is_refused_not_waited_on(tmp_path: Path) -> None:
    site = write_site(tmp_path, HOME)
    os.mkfifo(site / "content/pipe.md")
    fails(site, "content/pipe.md: is not a regular file")


def test_content_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    site = write_site(tmp_path, {**HOME, "content/huge.md": "x" * 3000},
                      config=SMALL_CONFIG + 'max_content_size = "2KB"\n')
    fails(site, "content/huge.md: is 3,000 bytes, over the max_content_size limit of 2,048 bytes", command="check")
    (site / "shelfpress.toml").write_text(SMALL_CONFIG + 'max_content_size = "1MB"\n')
    assert run("build", "-C", str(site)).exit_code == 0


@pytest.mark.parametrize("value", ['"lots"', "0", '"5TB"'])
def test_max_content_size_is_validated(tmp_path: Path, value: str) -> None:
    site = write_site(tmp_path, HOME, config=BASIC_CONFIG + f"max_content_size = {value}\n")
    fails(site, "shelfpress.toml:4: max_content_size: expected a size like \"5MB\"")


def test_unclosed_shortcode_names_file_and_line(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/index.md": "---\ntitle: H\n---\nIntro\n\n{{< callout type=\"tip\" >}}\n"
                                                     "Careful.\n"})
    fails(site, "content/index.md:6:1: shortcode 'callout' is never closed", "{{< /callout >}}")


def test_self_closed_and_inner_free_shortcodes_still_build(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/index.md": "---\ntitle: H\n---\n{{< callout text=\"Short tip\" />}}\n\n"
                                                     "{{< figure src=\"/a.png\" alt=\"A\" >}}\n"}, SMALL_CONFIG)
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    html = (site / "public/index.html").read_text()
    assert "<p>Short tip</p>" in html and 'src="/repo/a.png"' in html


@pytest.mark.parametrize(("front", "expected"), [
    ("slug: ../up", "content/a.md:4: slug '../up' may only hold"),
    ("aliases:\n  - /old/\n  - ../../../etc/evil", "content/a.md:4: front matter 'aliases' must be a list of URL "
                                                    "paths inside the site (no '..')"),
    ("template: ../../../etc/passwd", "content/a.md:4: front matter 'template' must be a template name inside "
                                      "the site (no '..')"),
])
def test_traversal_in_front_matter_names_file_and_line(tmp_path: Path, front: str, expected: str) -> None:
    site = write_site(tmp_path, {**HOME, "content/a.md": f"---\ntitle: A\n\n{front}\n---\nText\n"})
    fails(site, expected)


def test_ctrl_c_exits_130_and_keeps_the_previous_site(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", HOME, config=BASIC_CONFIG + "search = false\n")
    assert run("build", "-C", str(site)).exit_code == 0
    before = tree(site / "public")
    write_site(site, {f"content/p/{i}.md": f"---\ntitle: Page {i}\n---\n# Page {i}\n\nText.\n" for i in range(4000)})
    shelfpress = Path(sys.executable).parent / "shelfpress"
    # As a shell starts it: SIGINT at its default. A process started with SIGINT ignored (as by whatever ran
    # before in this test process, or `nohup`) rightly ignores Ctrl+C, and Python then installs no handler.
    build = subprocess.Popen([shelfpress, "build", "--clean", "-C", str(site)], stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("site/.shelfpress-cache/shadow-*/.shelfpress-incomplete")):  # writing has begun
        assert build.poll() is None and time.monotonic() < deadline, "the build ended before it could be stopped"
        time.sleep(0.01)
    build.send_signal(signal.SIGINT)
    _, err = build.communicate(timeout=60)
    assert build.returncode == 130, err
    assert "Interrupted." in err and "Traceback" not in err and "Aborted!" not in err
    assert tree(site / "public") == before
    assert not list(tmp_path.glob("site/.shelfpress-cache/shadow-*/.shelfpress-incomplete"))  # cleaned up


def test_starter_gitignore_keeps_local_data_out_of_git(tmp_path: Path) -> None:
    assert run("new", str(tmp_path / "mysite")).exit_code == 0
    site = tmp_path / "mysite"
    for rel in [".shelfpress/catalog.sqlite", ".shelfpress/revenue.sqlite", ".shelfpress/revenue.sqlite-wal",
                ".shelfpress/channels.json"]:
        add_files(site, {rel: "data"})
    git = ["git", "-C", str(site)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    staged = subprocess.run([*git, "diff", "--cached", "--name-only"], check=True, capture_output=True,
                            text=True).stdout.split()
    assert ".shelfpress/channels.json" in staged and "content/index.md" in staged and "shelfpress.toml" in staged
    assert not [path for path in staged if path.endswith(("sqlite", "sqlite-wal"))]

"""What escapes a command is one line: a full disk, a read-only or forbidden folder, a path too long or a
name the file system refuses is exit 1 naming the path and the fix, the previous site untouched; a bug is
exit 70 "internal error: ..." (the traceback only with --debug); usage errors stay 2.

Tests run as root, whom chmod does not stop: the kernel's refusals are simulated by making the os calls
fail with the errno the kernel gives (a full disk fails write(), which names no file, as the kernel's does).
A real chmod test runs where the tests do not run as root.
"""

from __future__ import annotations

import errno
import io
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from generator.cli import cli
from tests.support.sites import SMALL_CONFIG, add_files, tree, write_site

HOME = {"content/index.md": "---\ntitle: Home\n---\nHi\n", "content/about.md": "---\ntitle: About\n---\nUs\n"}


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A site built once, then edited, so the next build has pages to write: (site, the live site's files)."""
    site = write_site(tmp_path / "site", HOME, SMALL_CONFIG)
    assert invoke("build", "-C", str(site)).exit_code == 0
    add_files(site, {"content/index.md": "---\ntitle: Home\n---\nChanged\n", "content/new.md": "---\ntitle: N\n---\n"})
    return site, tree(site / "public")


class _FullFile(io.RawIOBase):
    """What a file object on a full disk does: its write fails, naming no file."""

    def __init__(self, fd: int, code: int) -> None:
        self.fd, self.code = fd, code

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        raise OSError(self.code, os.strerror(self.code))

    def close(self) -> None:
        if not self.closed:
            os.close(self.fd)
        super().close()


def _refuse_writes_under(monkeypatch: pytest.MonkeyPatch, root: Path, code: int) -> None:
    """Every file created under `root` fails its first write() with `code` (and names no file), whether
    written with os.write or through a file object."""
    real_open, real_write, real_fdopen = os.open, os.write, os.fdopen
    refused: set[int] = set()

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        return _FullFile(fd, code) if fd in refused else real_fdopen(fd, *args, **kwargs)

    def open_(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        fd = real_open(path, flags, *args, **kwargs)
        if flags & os.O_CREAT and str(root) in os.fsdecode(path):
            refused.add(fd)
        return fd

    def write(fd: int, data: Any) -> int:
        if fd in refused:
            raise OSError(code, os.strerror(code))
        return real_write(fd, data)

    real_write_bytes = Path.write_bytes

    def write_bytes(path: Path, data: Any) -> int:
        if str(root) not in str(path):
            return real_write_bytes(path, data)
        real_write_bytes(path, bytes(data)[:10])  # the disk filled up part way through
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr(os, "fdopen", fdopen)
    monkeypatch.setattr(Path, "write_bytes", write_bytes)


def _refuse_changes_under(monkeypatch: pytest.MonkeyPatch, root: Path, code: int) -> None:
    """Creating, renaming or making folders under `root` fails with `code`, naming the path, as the kernel does
    for a read-only file system (EROFS) or a folder this user may not write (EACCES, EPERM)."""
    def refusing(real: Callable[..., Any], creates: Callable[..., bool]) -> Callable[..., Any]:
        def call(path: Any, *args: Any, **kwargs: Any) -> Any:
            if str(root) in os.fsdecode(path) and creates(*args):
                raise OSError(code, os.strerror(code), os.fsdecode(path))
            return real(path, *args, **kwargs)
        return call

    monkeypatch.setattr(os, "open", refusing(os.open, lambda flags, *_: bool(flags & (os.O_CREAT | os.O_WRONLY))))
    for name in ("mkdir", "rename", "replace", "link", "unlink"):
        monkeypatch.setattr(os, name, refusing(getattr(os, name), lambda *_: True))


def _one_line_failure(result: Result, *expected: str) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_a_full_disk_is_one_line_naming_the_file_and_keeps_the_site(
        built: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    site, before = built
    _refuse_writes_under(monkeypatch, site, code)
    line = _one_line_failure(invoke("build", "-C", str(site)), "Error: ", str(site), "free some space")
    assert "no space left" in line or "quota" in line
    assert tree(site / "public") == before
    monkeypatch.undo()  # space freed: the next build works (no lock or half-written state left behind)
    assert invoke("build", "-C", str(site)).exit_code == 0
    assert b"Changed" in (site / "public/index.html").read_bytes()


def test_a_full_disk_while_replacing_a_file_leaves_no_temp_file_to_publish(
        built: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch) -> None:
    """From the third build on, a changed page replaces its previous version in the kept shadow tree: that
    write failing must leave no temp file there, or the next build would publish it."""
    site, _ = built
    assert invoke("build", "-C", str(site)).exit_code == 0
    add_files(site, {"content/index.md": "---\ntitle: Home\n---\nChanged again\n"})
    before = tree(site / "public")
    _refuse_writes_under(monkeypatch, site / ".shelfpress-cache", errno.ENOSPC)
    _one_line_failure(invoke("build", "-C", str(site)), "index.html: no space left")
    monkeypatch.undo()
    assert tree(site / "public") == before
    assert not [p for p in site.rglob("*") if ".tmp" in p.name]
    assert invoke("build", "-C", str(site)).exit_code == 0
    assert b"Changed again" in (site / "public/index.html").read_bytes()
    assert not [p for p in site.rglob("*") if ".tmp" in p.name]


@pytest.mark.parametrize(("code", "reason"), [(errno.EROFS, "read-only"), (errno.EACCES, "permission denied"),
                                              (errno.EPERM, "not permitted")])
def test_a_read_only_or_forbidden_output_is_one_line_and_keeps_the_site(
        built: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch, code: int, reason: str) -> None:
    site, before = built
    _refuse_changes_under(monkeypatch, site, code)
    line = _one_line_failure(invoke("build", "-C", str(site)), reason, str(site))
    assert "writ" in line  # the fix: make it writable, or write elsewhere
    monkeypatch.undo()
    assert tree(site / "public") == before


def test_deploy_into_a_read_only_target_is_one_line(built: tuple[Path, dict[str, bytes]], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    site, _ = built
    target = tmp_path / "www"
    assert invoke("deploy", "-C", str(site), "--target", str(target)).exit_code == 0
    before = tree(target)
    add_files(site, {"content/more.md": "---\ntitle: More\n---\n"})
    assert invoke("build", "-C", str(site)).exit_code == 0
    _refuse_changes_under(monkeypatch, tmp_path / ".www", errno.EROFS)  # where the next site is staged
    _one_line_failure(invoke("deploy", "-C", str(site), "--target", str(target), "--no-build"), "read-only",
                      str(tmp_path / ".www"))
    monkeypatch.undo()
    assert tree(target) == before


@pytest.mark.skipif(getattr(os, "geteuid", lambda: -1)() == 0, reason="root writes into read-only folders")
def test_a_really_read_only_output_folder_is_one_line(built: tuple[Path, dict[str, bytes]]) -> None:
    site, before = built
    (site / "public").chmod(0o555)
    site.chmod(0o555)  # the swap renames public/ inside the site folder
    try:
        _one_line_failure(invoke("build", "-C", str(site)), "permission denied")
    finally:
        site.chmod(0o755)
        (site / "public").chmod(0o755)
    assert tree(site / "public") == before


def test_a_slug_longer_than_the_file_system_allows_is_one_line(built: tuple[Path, dict[str, bytes]]) -> None:
    site, before = built
    long_slug = "a" * 300  # every common file system stops at 255 bytes a name: the kernel's real ENAMETOOLONG
    add_files(site, {"content/long.md": f"---\ntitle: Long\nslug: {long_slug}\n---\n"})
    result = invoke("build", "-C", str(site))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "too long" in result.stderr and "shorten" in result.stderr
    assert tree(site / "public") == before


@pytest.mark.parametrize("code", [errno.EINVAL, errno.EILSEQ])
def test_a_name_the_file_system_refuses_is_one_line(built: tuple[Path, dict[str, bytes]],
                                                    monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    site, before = built
    add_files(site, {"content/odd.md": "---\ntitle: Odd\nslug: what-is-this\n---\n"})
    real_mkdir = os.mkdir

    def mkdir(path: Any, *args: Any, **kwargs: Any) -> None:  # as FAT or SMB refuse a name that ext4 takes
        if os.fsdecode(path).endswith("what-is-this"):
            raise OSError(code, os.strerror(code), os.fsdecode(path))
        real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)
    _one_line_failure(invoke("build", "-C", str(site)), "what-is-this", "refuses this name", "rename")
    assert tree(site / "public") == before


def _crash(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise ValueError("a thing\nthat spans lines")

    monkeypatch.setattr("generator.commands.check.check_site", boom)


def test_an_unexpected_error_is_one_line_and_exit_70(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_site(tmp_path, HOME, SMALL_CONFIG)
    _crash(monkeypatch)
    result = invoke("check", "-C", str(site))
    assert result.exit_code == 70
    assert result.stderr == ("internal error: ValueError: a thing that spans lines "
                             "(a bug; run again with --debug for the traceback)\n")


@pytest.mark.parametrize("how", ["flag", "env"])
def test_debug_shows_the_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    site = write_site(tmp_path, HOME, SMALL_CONFIG)
    _crash(monkeypatch)
    if how == "flag":
        result = invoke("--debug", "check", "-C", str(site))
    else:
        result = invoke("check", "-C", str(site), env={"SHELFPRESS_DEBUG": "1"})
    assert result.exit_code == 70
    assert "Traceback (most recent call last)" in result.stderr and 'in boom' in result.stderr
    assert result.stderr.rstrip().endswith("(a bug; run again with --debug for the traceback)")


def test_usage_errors_keep_exit_2_and_user_errors_exit_1(tmp_path: Path) -> None:
    site = write_site(tmp_path, HOME, SMALL_CONFIG)
    usage = invoke("build", "-C", str(site), "--offline", "--refresh")
    assert usage.exit_code == 2 and "contradict" in usage.output and "internal error" not in usage.output
    assert invoke("build", "-C", str(site), "--no-such-option").exit_code == 2
    (site / "shelfpress.toml").write_text("title = \n")
    broken = invoke("build", "-C", str(site))
    assert broken.exit_code == 1 and "internal error" not in broken.output


def test_a_million_deep_json_is_one_line_from_the_real_command(tmp_path: Path) -> None:
    """The installed `shelfpress` (its own exit path) on a file that makes the JSON parser recurse too deep."""
    site = write_site(tmp_path / "site", HOME, SMALL_CONFIG)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 1_000_000 + "]" * 1_000_000)
    shelfpress = Path(sys.executable).parent / "shelfpress"
    done = subprocess.run([shelfpress, "catalog", "import", "-C", str(site), "--catalog", str(tmp_path / "c.sqlite"),
                           str(deep)], capture_output=True, text=True, timeout=120)
    assert done.returncode in (1, 70), done.stderr
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "deep.json" in done.stderr or "RecursionError" in done.stderr



def test_a_full_or_read_only_database_is_an_environment_failure(tmp_path: Path) -> None:
    from generator.core.failures import environment_failure

    conn = sqlite3.connect(tmp_path / "full.sqlite")
    conn.execute("PRAGMA max_page_count = 2")  # SQLite's own "database or disk is full", for real
    with pytest.raises(sqlite3.OperationalError) as full:
        conn.execute("CREATE TABLE t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [("x" * 1000,)] * 100)
    conn.close()
    failure = environment_failure(full.value)
    assert failure is not None and "no space left" in failure.format_message()
    assert environment_failure(sqlite3.OperationalError("no such table: t")) is None  # a bug, not the disk


def test_a_full_disk_during_an_import_names_the_file(built: tuple[Path, dict[str, bytes]],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    site, _ = built
    export = Path(__file__).resolve().parents[1] / "fixtures" / "wordpress" / "garden-wp64-wxr12.xml"
    _refuse_writes_under(monkeypatch, site / "content" / "blog", errno.ENOSPC)
    line = _one_line_failure(invoke("import", "wordpress", str(export), "-C", str(site)), "no space left")
    assert str(site / "content" / "blog") in line and line.split(": ")[1].endswith(".md")
    assert not [p for p in (site / "content").rglob("*") if p.name.endswith(".tmp")]  # no temp file left


def test_a_reader_that_goes_away_is_no_internal_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`shelfpress ... | head`: click ends a closed pipe quietly (exit 1), as before."""
    site = write_site(tmp_path, HOME, SMALL_CONFIG)

    def closed_pipe(*args: Any, **kwargs: Any) -> None:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr("generator.commands.check.check_site", closed_pipe)
    result = invoke("check", "-C", str(site))
    assert result.exit_code == 1 and "internal error" not in result.output


@pytest.mark.parametrize("alias", ['"/a\\0b/"', '"/old\\x1b[31m/"', '"/x\\u0085/"'])
def test_a_control_character_in_an_alias_is_one_line_naming_file_and_line(tmp_path: Path, alias: str) -> None:
    site = write_site(tmp_path, {**HOME, "content/a.md": f"---\ntitle: A\naliases: [{alias}]\n---\nx\n"},
                      SMALL_CONFIG)
    result = invoke("build", "-C", str(site))
    assert result.exit_code == 1 and "internal error" not in result.output
    assert "content/a.md:3: front matter 'aliases' holds a control character" in result.stderr

"""Bad input gets one clear line naming the place and the fix, exit code 1, no traceback."""

from __future__ import annotations

import gc
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import __version__
from tests.support.sites import BASIC_CONFIG, fails, run, write_site

ROOT = Path(__file__).resolve().parents[2]
OK_PAGE = {"content/index.md": "---\ntitle: Home\n---\nHi\n"}


@pytest.mark.parametrize("command", ["build", "check"])
def test_malformed_toml(tmp_path: Path, command: str) -> None:
    site = write_site(tmp_path, OK_PAGE, config='title = "x"\nbase_url = \n')
    fails(site, "shelfpress.toml:2", "invalid TOML", command=command)


def test_unknown_config_key_suggests_the_right_one(tmp_path: Path) -> None:
    site = write_site(tmp_path, OK_PAGE, config=BASIC_CONFIG + 'titel = "x"\n[source]\nkindd = "catalog"\n')
    out = fails(site, "shelfpress.toml:4: titel: unknown key; did you mean 'title'?",
                "shelfpress.toml:6: source.kindd: unknown key; did you mean 'kind'?")
    assert out.count("\n") >= 2  # every independent problem is reported


def test_wrong_type_names_key_and_expected_type(tmp_path: Path) -> None:
    site = write_site(tmp_path, OK_PAGE, config=BASIC_CONFIG + "per_page = \"many\"\n")
    fails(site, "per_page: expected a whole number, got 'many'")


def test_missing_config_file(tmp_path: Path) -> None:
    fails(tmp_path, "no shelfpress.toml", "shelfpress new")


def test_front_matter_yaml_error_names_line(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/bad.md": "---\ntitle: ok\ndescription: [unclosed\nweight: 1\n---\nx"})
    fails(site, "content/bad.md:", "front matter is not valid YAML")


def test_front_matter_must_be_a_mapping(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/bad.md": "---\n- a\n- b\n---\nx"})
    fails(site, "content/bad.md:2", "must be a mapping")


def test_two_pages_with_the_same_url(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/a.md": "---\ntitle: A\nslug: same\n---\n",
                                 "content/same.md": "---\ntitle: B\n---\n"})
    fails(site, "URL /same/ is claimed twice", "content/a.md", "content/same.md")


@pytest.mark.parametrize("slug", ["../../etc", "a/b", "..", "/abs"])
def test_slug_cannot_escape(tmp_path: Path, slug: str) -> None:
    site = write_site(tmp_path, {"content/a.md": f"---\ntitle: A\nslug: \"{slug}\"\n---\n"})
    fails(site, "content/a.md", "slug")
    assert not (tmp_path.parent / "etc").exists()


def test_alias_cannot_escape_output(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"content/a.md": "---\ntitle: A\naliases: [\"../../../evil\"]\n---\n"})
    fails(site, "content/a.md:3: front matter 'aliases' must be a list of URL paths inside the site (no '..')")
    assert not (tmp_path / "evil").exists()


def test_missing_template_named_in_front_matter(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/a.md": "---\ntitle: A\ntemplate: fancy.html\n---\n"})
    fails(site, "content/a.md", "template 'fancy.html'", "does not exist")


def test_unknown_shortcode_has_file_line_column(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/a.md": "---\ntitle: A\n---\nline one\n\nsee {{< bogus x=1 >}}\n"})
    fails(site, "content/a.md:6:5", "unknown shortcode 'bogus'")


def test_unterminated_shortcode(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/a.md": "---\ntitle: A\n---\n{{< callout type=\"x\"\n\nmore\n"})
    fails(site, "content/a.md:4:1", "unterminated shortcode")


def test_malformed_shortcode_parameter(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/a.md": "---\ntitle: A\n---\n{{< figure src=\"x\" oops >}}\n"})
    fails(site, "content/a.md:4:1", "malformed shortcode parameter 'oops'")


def test_non_utf8_content_file(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/a.md": "---\ntitle: A\n---\nok\n".encode() + b"caf\xe9\n"})
    fails(site, "content/a.md:5", "not UTF-8")


def test_check_validates_without_writing(tmp_path: Path) -> None:
    site = write_site(tmp_path, OK_PAGE)
    result = run("check", "-C", str(site))
    assert result.exit_code == 0 and "valid" in result.output
    assert not (site / "public").exists()
    write_site(site, {"content/b.md": "---\ntitle: B\n---\n{{< nope >}}\n"})
    fails(site, "unknown shortcode", command="check")
    assert not (site / "public").exists()


def test_usage_error_exit_code_is_2(tmp_path: Path) -> None:
    assert run("build", "--no-such-flag").exit_code == 2


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.output


def test_new_scaffolds_a_site_that_builds(tmp_path: Path) -> None:
    result = run("new", str(tmp_path / "mysite"))
    assert result.exit_code == 0, result.output
    for rel in ["shelfpress.toml", "content/index.md", "templates", "static", ".gitignore"]:
        assert (tmp_path / "mysite" / rel).exists(), rel
    built = run("build", "-C", str(tmp_path / "mysite"))
    assert built.exit_code == 0, built.output
    assert (tmp_path / "mysite/public/index.html").is_file()
    again = run("new", str(tmp_path / "mysite"))
    assert again.exit_code == 1 and "not empty" in again.output


def test_output_dir_may_not_swallow_the_site(tmp_path: Path) -> None:
    site = write_site(tmp_path, OK_PAGE, config=BASIC_CONFIG + 'output_dir = "."\n')
    fails(site, "contains the site itself")
    assert (site / "content/index.md").is_file()


NUMPY_LOADED = "import sys\n{}\nprint('numpy' in sys.modules)"


def _numpy_loaded(code: str) -> bool:
    out = subprocess.run([sys.executable, "-c", NUMPY_LOADED.format(code)], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    return out.strip().splitlines()[-1] == "True"


def test_numpy_is_loaded_only_to_compute_related_products_or_recommendations(tmp_path: Path) -> None:
    """Issue 15: numpy stays a dependency (the catalog's related products and `sales-file recommend` compute
    with it) but the commands people run all day never pay its ~150 ms import."""
    demo = tmp_path / "demo"
    for folder in ("content", "static", "templates"):
        shutil.copytree(ROOT / folder, demo / folder)
    shutil.copy(ROOT / "shelfpress.toml", demo / "shelfpress.toml")
    assert run("build", "-C", str(demo)).exit_code == 0  # the first build fills the demo catalog

    def cli(*args: str) -> str:
        return f"from generator.cli import cli\ntry:\n    cli.main({list(args)!r})\nexcept SystemExit:\n    pass"

    assert not _numpy_loaded(cli("--help"))
    assert not _numpy_loaded(cli("sales-file", "--help"))
    assert not _numpy_loaded(cli("build", "-q", "-C", str(demo)))  # the demo data re-imported, unchanged
    assert not _numpy_loaded("import generator.affiliate.salesfile, generator.sources.catalog")  # reading files
    assert _numpy_loaded("from generator.affiliate.salesfile.copurchase import count_and_rank")  # the test can fail


def test_help_lists_every_command_without_loading_their_dependencies() -> None:
    """`shelfpress --help` names each lazy group by the line cli.py keeps, which must be the group's own help;
    it loads no HTTP client, HTML parser, numpy or Jinja (issue 29)."""
    from generator.cli import LAZY_GROUPS

    for name, (target, line) in LAZY_GROUPS.items():
        module, attr = target.split(":")
        assert getattr(importlib.import_module(module), attr).help == line, name
    code = ("import sys\nfrom generator.cli import cli\ntry:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'httpx', 'bs4', 'numpy', 'jinja2', 'markdown'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert "sales-file  Shoptimiza sales file" in out and "revenue     Clicks, revenue" in out
    assert out.strip().splitlines()[-1] == "[]"


def test_a_rebuild_loads_no_module_only_other_work_needs(tmp_path: Path) -> None:
    """Issue 34: a one-page rebuild is mostly the process starting, so it loads no version metadata reader
    (with its e-mail parser), no Babel .po reader or writer, no ctypes.util and no spawned-worker pool."""
    site = write_site(tmp_path / "site", {**OK_PAGE, "content/about.md": "---\ntitle: About\n---\nHi\n"})
    assert run("build", "-q", "-C", str(site)).exit_code == 0
    (site / "content/about.md").write_text("---\ntitle: About\n---\nEdited.\n")
    unneeded = ["importlib.metadata", "email", "babel.messages", "ctypes.util", "generator.engine.spawn_pool"]
    code = (f"import sys\nfrom generator.cli import cli\ntry:\n    cli.main(['build', '-q', '-C', {str(site)!r}])\n"
            f"except SystemExit:\n    pass\nprint(sorted(set(sys.modules) & set({unneeded!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip().splitlines()[-1] == "[]"
    assert (site / "public/about/index.html").read_text().count("Edited.") == 1


def test_the_shelfpress_process_leaves_its_builds_graph_for_the_system_to_free(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`main` ends the process without Python's teardown; the site graph of a build it ran is kept until
    then (freeing it object by object took 10 ms at 10,000 products), and what the build imported is frozen
    out of the garbage collector's sight. Run otherwise, a build keeps and freezes nothing."""
    import generator.cli
    from generator.commands.build import BuildReport

    site = write_site(tmp_path / "site", OK_PAGE)
    assert run("build", "-q", "-C", str(site)).exit_code == 0 and generator.cli._left_at_exit is None

    def exit_(code: int) -> None:
        raise SystemExit(code)

    monkeypatch.setattr(generator.cli, "_left_at_exit", None)  # (restored afterwards: main sets it)
    monkeypatch.setattr(generator.cli.os, "_exit", exit_)
    monkeypatch.setattr(sys, "argv", ["shelfpress", "build", "-q", "--clean", "-C", str(site)])
    assert not gc.get_freeze_count()
    try:
        with pytest.raises(SystemExit) as ended:
            generator.cli.main()
        assert gc.get_freeze_count()  # the modules it imported are out of the collector's sight for good
    finally:
        gc.unfreeze()  # (for the tests that follow in this process)
    assert ended.value.code == 0
    [report] = generator.cli._left_at_exit or []
    assert isinstance(report, BuildReport) and len(report.left_for_exit) == 2

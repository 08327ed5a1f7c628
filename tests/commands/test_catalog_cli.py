"""Tests for generator/commands/catalog.py: every `catalog` subcommand works on the catalog the site builds from
(`-C/--site`, `[source] catalog`, or the embedded demo) and `import` reports what it imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.sites import BASIC_CONFIG, run, write_site

DEMO_DATA = Path(__file__).resolve().parents[2] / "generator" / "assets" / "data"
PRODUCTS = DEMO_DATA / "demo-products.jsonl"
TAXONOMY = DEMO_DATA / "demo-taxonomy.json"
OWN_CATALOG = BASIC_CONFIG + '\n[source]\nkind = "catalog"\ncatalog = "data/catalog.sqlite"\n'


def stats(output: str) -> dict[str, int]:
    return {line.split()[0]: int(line.split()[1]) for line in output.splitlines()
            if len(line.split()) == 2 and line.split()[1].isdigit()}


def distinct_in_products() -> tuple[int, int, int]:
    """Categories, stores and brands the demo products name themselves."""
    rows = [json.loads(line) for line in PRODUCTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    categories = {c["category_id"] for row in rows for c in row["categories"]}
    stores = {row["store"]["store_id"] for row in rows}
    brands = {" ".join(row["attributes"]["brand"].lower().split()) for row in rows
              if isinstance(row["attributes"], dict) and row["attributes"].get("brand", "").strip()}
    return len(categories), len(stores), len(brands)


@pytest.fixture
def demo_site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "demo", {"content/index.md": "# Hej\n"})


@pytest.fixture
def own_site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "own", {"content/index.md": "# Hej\n"}, config=OWN_CATALOG)


def test_stats_and_search_default_to_the_demo_catalog_the_site_builds_from(demo_site: Path) -> None:
    result = run("catalog", "stats", "-C", str(demo_site))
    assert result.exit_code == 0, result.output
    assert stats(result.output)["products"] == 32
    assert "demo-catalog.sqlite" in result.output and str(demo_site) in result.output
    result = run("catalog", "search", "--site", str(demo_site), "lampa", "--limit", "2")
    assert result.exit_code == 0 and result.output.splitlines()[-1] == "2 of 12 products"


def test_stats_in_the_current_folder_is_the_sites_catalog(demo_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(demo_site)
    assert stats(run("catalog", "stats").output)["products"] == 32


def test_import_refuses_the_embedded_demo_catalog_with_the_fix(demo_site: Path) -> None:
    result = run("catalog", "import", "-C", str(demo_site), str(PRODUCTS))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "[source]" in result.output and 'catalog = ".shelfpress/catalog.sqlite"' in result.output
    assert not (demo_site / ".shelfpress").exists()


def test_import_writes_the_configured_catalog_and_reports_what_it_imported(own_site: Path) -> None:
    result = run("catalog", "import", "-C", str(own_site), str(PRODUCTS))
    assert result.exit_code == 0, result.output
    categories, stores, brands = distinct_in_products()
    assert categories and stores and brands
    assert f"Imported 32 products, {categories} categories, {stores} stores, {brands} brands" in result.output
    assert (own_site / "data" / "catalog.sqlite").is_file()

    result = run("catalog", "import", "-C", str(own_site), str(TAXONOMY), str(PRODUCTS))
    assert result.exit_code == 0, result.output
    counts = stats(run("catalog", "stats", "-C", str(own_site)).output)
    taxonomy = json.loads(TAXONOMY.read_text(encoding="utf-8"))
    assert counts["categories"] == len(taxonomy["categories"])
    imported = (f"Imported 32 products, {counts['categories']} categories, {counts['stores']} stores, "
                f"{counts['brands']} brands")
    assert imported in result.output
    assert f"it now holds {counts['products']} products" in result.output


def test_the_build_reads_what_catalog_import_wrote(own_site: Path) -> None:
    assert run("catalog", "import", "-C", str(own_site), str(TAXONOMY), str(PRODUCTS)).exit_code == 0
    (own_site / "content" / "lampor.md").write_text("---\ntitle: Lampor\nlisting: {query: lampa}\n---\n")
    result = run("build", "-C", str(own_site), "-q")
    assert result.exit_code == 0, result.output
    assert "LAMPA GOLV ORANGE BOWL" in (own_site / "public" / "lampor" / "index.html").read_text(encoding="utf-8")


def test_reading_a_configured_catalog_that_is_missing_names_the_key(own_site: Path) -> None:
    for command in (["stats"], ["search", "lampa"]):
        result = run("catalog", *command, "-C", str(own_site))
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert "source.catalog" in result.output and "catalog import" in result.output


def test_catalog_option_overrides_the_site(tmp_path: Path, demo_site: Path) -> None:
    other = tmp_path / "other.sqlite"
    result = run("catalog", "import", "-C", str(demo_site), "--catalog", str(other), str(PRODUCTS))
    assert result.exit_code == 0 and str(other) in result.output
    assert stats(run("catalog", "stats", "--catalog", str(other)).output)["products"] == 32
    # --catalog needs no site at all
    result = run("catalog", "stats", "-C", str(tmp_path / "nowhere"), "--catalog", str(other))
    assert result.exit_code == 0


def test_without_a_site_the_error_says_how_to_point_at_one(tmp_path: Path) -> None:
    result = run("catalog", "stats", "-C", str(tmp_path))
    assert result.exit_code == 1 and "shelfpress.toml" in result.output and "--site" in result.output


@pytest.mark.parametrize("command", ["import", "stats", "search", "sync-feeds"])
def test_every_subcommand_takes_site(command: str) -> None:
    result = run("catalog", command, "--help")
    assert "-C, --site DIRECTORY" in result.output and "--catalog FILE" in result.output

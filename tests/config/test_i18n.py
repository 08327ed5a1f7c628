"""UI strings (generator/config/i18n.py): the gettext catalogs, plural forms, `[params.strings]` overrides, the
`t()` of older themes, and the extraction check: every string a template asks for is translated in every
shipped catalog, and the maintainer commands in the module docstring work."""

from __future__ import annotations

import io
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

import generator.config.i18n
from generator.config.schema import load_config
from generator.core.errors import ConfigError
from generator.config.i18n import (CATALOGS, LOCALE_DIR, catalog_path, form_categories, legacy_t, read_catalog,
                            template_callables, translations)
from generator.render.environment import make_environment
from tests.support.sites import BASIC_CONFIG, fails, write_site

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "generator"
PRODUCTS = 'ngettext("%(n)s product", "%(n)s products", k, n=k)'


def render(tmp_path: Path, source: str, language: str = "en", extra: str = "", **context: object) -> str:
    config = BASIC_CONFIG.replace('language = "en"', f'language = "{language}"') + extra
    site = write_site(tmp_path / "site", {}, config=config)
    return make_environment(load_config(site)).from_string(source).render(**context)


# plural forms ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("language", "one", "two"), [
    ("sv", "1 produkt", "2 produkter"), ("en", "1 product", "2 products"),
    ("da", "1 produkt", "2 produkter"), ("nb", "1 produkt", "2 produkter"), ("no", "1 produkt", "2 produkter"),
])
def test_product_count_uses_the_languages_plural_forms(tmp_path: Path, language: str, one: str, two: str) -> None:
    source = "{{ " + PRODUCTS + " }}"
    assert render(tmp_path, source, language, k=1) == one
    assert render(tmp_path, source, language, k=2) == two
    assert render(tmp_path, source, language, k=0) == two.replace("2", "0")
    assert render(tmp_path, '{{ ngettext("%(n)s product", "%(n)s products", 12000, n="12 000") }}',
                  language) == two.replace("2", "12 000")


@pytest.mark.parametrize("language", CATALOGS)
def test_catalog_plural_forms_are_babels_cldr_rules(language: str) -> None:
    """The Plural-Forms header of each .po agrees with CLDR (Babel) for every count."""
    assert form_categories(language) == ("one", "other")
    rule = Locale.parse(language).plural_form
    ui = translations(language)
    for n in range(200):
        form = ui.ngettext("%(n)s product", "%(n)s products", n) % {"n": n}
        assert form.endswith("produkt") == (rule(n) == "one"), (n, form)


def test_an_unknown_language_reads_english() -> None:
    assert translations("fi").gettext("Home") == "Home"
    assert translations("sv_SE").gettext("Home") == "Start"
    assert translations("fi").ngettext("%(n)s product", "%(n)s products", 1) == "%(n)s product"


# templates: _(), {% trans %}, ngettext and the old t() ---------------------------------------------------

def test_templates_translate_with_gettext_trans_and_the_old_t(tmp_path: Path) -> None:
    source = ('{{ _("Buy at %(store)s", store=s) }}|{% trans %}Skip to\n   content{% endtrans %}|'
              '{{ t("Buy at {store}", store=s) }}|{{ t("{n} products", count=1, n=1) }}|'
              '{{ t("{n} products", count=5, n="5") }}|{{ t("Not in any catalog: {x}", x=1) }}|{{ t("100% {x}", x=2) }}')
    assert render(tmp_path, source, "sv", s="H&M") == (
        "Köp hos H&amp;M|Hoppa till innehållet|Köp hos H&amp;M|1 produkt|5 produkter|Not in any catalog: 1|100% 2")


@pytest.mark.parametrize("autoescape", [True, False])
def test_template_callables_behave_as_jinjas_newstyle_gettext(autoescape: bool) -> None:
    """shelfpress installs its own `_`/`gettext`/`ngettext` (one call, not Jinja's three); they must give
    exactly what jinja2.ext.i18n's newstyle callables give: escaping, %% and plural forms included."""
    ui = translations("sv", {"Sale: %(pct)s%% off": "Rea: %(pct)s%% rabatt", "50%% more": "50%% mer"})
    sources = ['{{ _("Buy at %(store)s", store=s) }}', '{{ gettext("Home") }}', '{{ _("50%% more") }}',
               '{{ _("Sale: %(pct)s%% off", pct=s) }}', '{% trans %}Skip to content{% endtrans %}',
               '{% trans store=s %}Buy at {{ store }}{% endtrans %}', '{{ _("Not translated <b>") }}',
               '{{ ngettext("%(n)s product", "%(n)s products", k, n=s) }}', '{{ ngettext("%(num)s x", "%(num)s xs", k) }}',
               '{% trans count=k %}{{ count }} product{% pluralize %}{{ count }} products{% endtrans %}',
               '{{ _("Home") }}{{ _("Home") }}']

    def environment(ours: bool) -> jinja2.Environment:
        env = jinja2.Environment(autoescape=autoescape, extensions=["jinja2.ext.i18n"])
        env.install_gettext_translations(ui, newstyle=True)  # type: ignore[attr-defined]
        if ours:
            env.globals.update(template_callables(ui))
        return env

    jinjas, ours = environment(False), environment(True)
    for source in sources:
        for k in (1, 2, 5):
            values = {"s": "<H&M>", "k": k}
            assert ours.from_string(source).render(values) == jinjas.from_string(source).render(values), source


def test_legacy_t_outside_templates_returns_plain_text() -> None:
    t = legacy_t("da", translations("da"))
    assert t("Buy at {store}", store="H&M") == "Køb hos H&M"
    assert t("{n} products", count=1, n="1") == "1 produkt"
    assert t("Home", count=3) == "Forside"  # a count on a singular string is ignored, as before


# [params.strings] ----------------------------------------------------------------------------------------

OVERRIDES = """
[params.strings]
"Buy at %(store)s" = "Handla hos %(store)s"
"Free returns" = "Fri retur"
"%(n)s product" = { one = "%(n)s pryl", other = "%(n)s prylar" }
"%(n)s review" = { one = "%(n)s omdöme", other = "%(n)s omdömen" }
"""


def test_site_overrides_win_over_the_catalogs(tmp_path: Path) -> None:
    source = ('{{ _("Buy at %(store)s", store="X") }}|{{ _("Free returns") }}|{{ _("Home") }}|'
              '{{ ngettext("%(n)s product", "%(n)s products", 1, n=1) }}|{{ ngettext("%(n)s product", '
              '"%(n)s products", 3, n=3) }}|{{ ngettext("%(n)s review", "%(n)s reviews", 4, n=4) }}|'
              '{{ t("Buy at {store}", store="Y") }}|{{ t("{n} products", count=2, n=2) }}')
    assert render(tmp_path, source, "sv", OVERRIDES) == (
        "Handla hos X|Fri retur|Start|1 pryl|3 prylar|4 omdömen|Handla hos Y|2 prylar")
    # the same keys in an English site: the override wins there too, and "other" stands in for a missing form
    english = OVERRIDES.replace('one = "%(n)s pryl", ', "")
    assert render(tmp_path / "en", source, "en", english) == (
        "Handla hos X|Fri retur|Home|1 prylar|3 prylar|4 omdömen|Handla hos Y|2 prylar")


@pytest.fixture
def catalogs_read_anew() -> Iterator[None]:
    """The catalogs this module keeps in memory are read anew after the test: it reads an edited copy of a
    shipped catalog under the shipped one's language, which later builds in this process must not see."""
    yield
    for cached in (generator.config.i18n._shipped, generator.config.i18n.read_catalog,
                   generator.config.i18n._singular_of):
        cached.cache_clear()


@pytest.mark.usefixtures("catalogs_read_anew")
def test_a_build_keeps_each_catalog_compiled_in_the_cache_folder(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Parsing a .po file took 7 ms of every build: the compiled catalog is kept in the site's cache folder and
    read from there by the next process; a changed .po file, or a damaged copy, is compiled anew."""
    po, cache = tmp_path / "messages.po", tmp_path / "cache"
    shutil.copy(catalog_path("sv"), po)
    cache.mkdir()
    monkeypatch.setattr(generator.config.i18n, "catalog_path", lambda language: po)

    def next_process(cache_dir: Path | None = cache):  # what a new process finds: nothing in memory
        generator.config.i18n._shipped.cache_clear()
        generator.config.i18n.read_catalog.cache_clear()
        return translations("sv", cache_dir=cache_dir)

    parsed = next_process(None)._catalog  # type: ignore[attr-defined]
    assert next_process()._catalog == parsed  # type: ignore[attr-defined]
    [kept] = (cache / "locale").iterdir()
    with monkeypatch.context() as patch:
        patch.setattr("babel.messages.pofile.read_po", lambda *a, **k: pytest.fail("the .po file was parsed again"))
        again = next_process()
        t = legacy_t("sv", again)  # (the old themes' `t` reads the .po file only when asked for a plural)
        assert t("Buy at {store}", store="X") == "Köp hos X"
    assert t("{n} products", count=2, n=2) == "2 produkter"
    assert again._catalog == parsed  # type: ignore[attr-defined]
    assert again.ngettext("%(n)s product", "%(n)s products", 2) == "%(n)s produkter"

    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "Till butiken"', 'msgstr "Till affären"'),
                  encoding="utf-8")
    assert next_process().gettext("To the store") == "Till affären"
    assert not kept.exists()  # the copy of the old catalog is gone, the new one kept
    [kept] = (cache / "locale").iterdir()
    kept.write_bytes(b"damaged")
    assert next_process().gettext("To the store") == "Till affären"
    assert kept.read_bytes() != b"damaged"


@pytest.mark.parametrize(("entry", "message"), [
    ('"Home" = { one = "a", other = "b" }', "params.strings.'Home': not a plural string"),
    ('"%(n)s product" = "x"', "params.strings.'%(n)s product': a plural string: give its forms, "
                              "{ one = ..., other = ... }"),
    ('"%(n)s product" = { one = "a", few = "b" }', "give the plural forms as { one = ..., other = ... } "
                                                    "(\"other\" at least); not few"),
    ('"Buy at %(store)s" = "Köp hos %(shop)s"', "'Köp hos %(shop)s' does not format (placeholders: %(store)s"),
    ('"Sale" = "50% off"', "'50% off' does not format (placeholders: none; a literal % is %%)"),
    ('"Sale" = 5', "expected a text (or a table of plural forms), got 5"),
])
def test_a_bad_override_names_its_key(tmp_path: Path, entry: str, message: str) -> None:
    site = write_site(tmp_path / "site", {"content/index.md": "---\ntitle: Home\n---\n"},
                      config=BASIC_CONFIG + "\n[params.strings]\n" + entry + "\n")
    out = fails(site, "shelfpress.toml", message, command="check")
    assert "Traceback" not in out


def test_params_strings_must_be_a_table(tmp_path: Path) -> None:
    config = load_config(write_site(tmp_path / "site", {}, config=BASIC_CONFIG + '\n[params]\nstrings = "x"\n'))
    with pytest.raises(ConfigError, match="params.strings: expected a table of strings"):
        make_environment(config)


# the extraction check ------------------------------------------------------------------------------------

def mapping() -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    with (LOCALE_DIR / "babel.cfg").open() as cfg:
        return parse_mapping_cfg(cfg)  # type: ignore[no-any-return]


def template_options() -> dict[str, str]:
    methods, options = mapping()
    return next(options[pattern] for pattern, method in methods if method == "jinja2")


def extracted(root: Path, methods: list[tuple[str, str]], options: dict[str, dict[str, str]]
              ) -> dict[str | tuple[str, str], str]:
    """Every UI string under `root` -> where it was first found."""
    found: dict[str | tuple[str, str], str] = {}
    for file, line, message, _, _ in extract_from_dir(root, methods, options):
        msgid = message if isinstance(message, str) else (message[0], message[1])
        found.setdefault(msgid, f"{file}:{line}")
    return found


def package_strings() -> dict[str | tuple[str, str], str]:
    return extracted(PACKAGE, *mapping())


def missing_translations(catalog: Catalog, strings: dict[str | tuple[str, str], str]) -> list[str]:
    problems = []
    for msgid, where in sorted(strings.items(), key=str):
        singular = msgid if isinstance(msgid, str) else msgid[0]
        message = catalog.get(singular)
        if message is None or message.fuzzy or not all(message.string if isinstance(message.string, tuple)
                                                        else [message.string]):
            problems.append(f"{catalog.locale}: no translation of {msgid!r} ({where})")
        elif isinstance(msgid, tuple) != message.pluralizable or (message.pluralizable and message.id != msgid):
            problems.append(f"{catalog.locale}: {msgid!r} ({where}) is {message.id!r} in the catalog")
    return problems


def test_the_package_templates_ask_for_strings() -> None:
    strings = package_strings()
    assert "Buy at %(store)s" in strings and ("%(n)s product", "%(n)s products") in strings
    assert any("themes/default/templates/" in where for where in strings.values())
    assert "To the store" in strings and "Price" in strings  # from Python (widgets) and the kept vocabulary


@pytest.mark.parametrize("language", CATALOGS)
def test_every_ui_string_is_translated_in_every_catalog(language: str) -> None:
    """A new UI string without a translation fails here, naming the string and the language."""
    catalog = read_catalog(language)
    problems = missing_translations(catalog, package_strings())
    problems += [f"{language}: {msgid!r}: {', '.join(map(str, errors))}" for _, msgid, errors in
                 ((m, m.id, e) for m, e in catalog.check())]
    assert not problems, "untranslated UI strings; see generator/config/i18n.py for the commands:\n" + "\n".join(problems)


def test_the_check_names_the_string_and_the_language() -> None:
    catalog = Catalog(locale="da")
    catalog.add("Home", "Forside")
    problems = missing_translations(catalog, {"Home": "a.html:1", "New thing": "b.html:3",
                                              ("%(n)s cat", "%(n)s cats"): "c.html:5"})
    assert problems == ["da: no translation of 'New thing' (b.html:3)",
                        "da: no translation of ('%(n)s cat', '%(n)s cats') (c.html:5)"]


def test_the_demo_sites_templates_use_only_catalog_strings() -> None:
    """The repository's own site templates (templates/) are translated by the catalogs."""
    options = template_options()
    strings = extracted(ROOT / "templates", [("**", "jinja2")], {"**": options})
    assert strings
    for language in CATALOGS:
        assert not missing_translations(read_catalog(language), strings)


def test_no_package_template_calls_the_old_t() -> None:
    calls = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((PACKAGE / "assets" / "themes").rglob("*")) if path.is_file()
             for n, line in enumerate(path.read_text("utf-8").splitlines(), 1) if re.search(r"\bt\(", line)]
    assert not calls, f"use _() / ngettext() (t() is for older site themes only): {calls}"


def test_the_maintainer_commands_in_the_docstring_work(tmp_path: Path) -> None:
    """Run the documented pybabel commands on a copy of the package: the catalogs come out as shipped."""
    block = re.search(r"^Maintainers.*?\n\n((?: {4}[^\n]*\n)+)", generator.config.i18n.__doc__ or "", re.M | re.S)
    assert block, "the module docstring lost its maintainer commands"
    commands = [shlex.split(line) for line in block[1].replace("\\\n", " ").splitlines()]
    assert [c[1] for c in commands] == ["extract", "update"]
    shutil.copytree(PACKAGE, tmp_path / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    pybabel = str(Path(sys.executable).parent / "pybabel")
    for command in commands:
        subprocess.run([pybabel, *command[1:]], cwd=tmp_path, check=True, capture_output=True)
    copy = tmp_path / "generator/assets/locale"
    for language in ("en", *CATALOGS):
        path = catalog_path(language).relative_to(LOCALE_DIR)
        assert messages(copy / path) == messages(LOCALE_DIR / path), f"{path} is not what the commands make"


def messages(path: Path) -> list[tuple[object, object, bool]]:
    with path.open("rb") as po:
        return [(m.id, m.string, m.fuzzy) for m in read_po(io.BytesIO(po.read())) if m.id]

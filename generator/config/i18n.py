"""UI strings of the themes in the site's language: gettext catalogs read with Babel, and a site's overrides.

The catalogs ship in the package:

    generator/assets/locale/messages.pot                          every UI string, in English (the source text)
    generator/assets/locale/{sv,da,nb}/LC_MESSAGES/messages.po    its translations, plural forms included

render.py installs `site_translations(config)` in the Jinja environment with `jinja2.ext.i18n`
(newstyle gettext), so templates write `{{ _("Buy at %(store)s", store=p.store) }}`,
`{% trans %}Skip to content{% endtrans %}`, or for text that depends on a number
`{{ ngettext("%(n)s product", "%(n)s products", count, n=count | number) }}`, which picks the
language's plural form ("1 produkt", "2 produkter"). A string without a translation shows its English
source text. `t("Buy at {store}", store=...)`, how themes asked for a string before the catalogs,
still works and reads the same catalogs (`legacy_t`).

A site overrides or adds strings in `[params.strings]`, keyed by the English text as the catalogs spell
it: a text, or for a plural string a table of its CLDR forms (`{one = "...", other = "..."}`).
Overrides win over the catalogs, in templates and in the few strings Python code shows.

The .po files are read at run time and not shipped compiled to .mo: an editable install and a wheel
then work from the same files with no build step, and there is no compiled copy that can fall behind its
source. They ship as package data (`generator = ["**/*"]`). Parsing one took 7 ms of every build, so a
build keeps it compiled in the site's cache folder, named by the digest of the .po file and Babel's
version (`_shipped`): a changed catalog or another Babel compiles anew. Babel's .po reader and .mo
writer are imported only then.

Maintainers, after adding or changing a UI string (from the repository root; the commands are the ones
tests/config/test_i18n.py checks against):

    .venv/bin/pybabel extract -F generator/assets/locale/babel.cfg -o generator/assets/locale/messages.pot \\
        --no-location --sort-output --project shelfpress --copyright-holder shelfpress generator
    .venv/bin/pybabel update -i generator/assets/locale/messages.pot -d generator/assets/locale \\
        --no-fuzzy-matching

then translate the new entries in each messages.po; the test names every string a language lacks.

This module does not render, and reads no configuration file: it is handed the language and overrides.
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import babel
from babel import Locale
from babel.support import Translations
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from generator.core.atomic import atomic_write
from generator.core.digest import digest
from generator.core.errors import ConfigError
from generator.assets import LOCALE

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

    from generator.config.schema import Config

LOCALE_DIR = LOCALE
TEMPLATE = LOCALE_DIR / "messages.pot"
# Languages with a catalog (English is the source text); "no" is Norwegian Bokmål's older code.
CATALOGS = ("sv", "da", "nb")
ALIASES = {"no": "nb"}
# What `language` may be: any other value would give pages a wrong lang="" and an English UI.
LANGUAGES = ("en", *CATALOGS, *ALIASES)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _offered_to_site_themes(_: Callable[[str], str], ngettext: Callable[[str, str, int], str]) -> None:
    """Strings the built-in themes no longer show, kept translated for sites' own themes. Never called:
    written as calls so that `pybabel extract` keeps them in the catalogs."""
    _("Price"), _("Sale"), _("Filter"), _("Stores"), _("Brands"), _("Customers also bought")
    ngettext("%(n)s result", "%(n)s results", 2)


def catalog_language(language: str) -> str:
    """The catalog a `language` setting reads: "sv_SE" -> "sv", "no" -> "nb", anything else -> "en"."""
    lang = language.split("_")[0].lower()
    lang = ALIASES.get(lang, lang)
    return lang if lang in CATALOGS else "en"


def catalog_path(language: str) -> Path:
    """The shipped messages.po of a catalog language; English reads the template."""
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po" if language in CATALOGS else TEMPLATE


@lru_cache(maxsize=8)
def read_catalog(language: str) -> Catalog:
    """The shipped catalog of a catalog language (for "en", the template: source text only)."""
    from babel.messages.pofile import read_po  # deferred: a build reads the catalog compiled (`_shipped`)

    with catalog_path(language).open("rb") as po:
        return read_po(po, locale=language)


def _mo(catalog: Catalog) -> bytes:
    from babel.messages.mofile import write_mo  # deferred, as read_po

    mo = io.BytesIO()
    write_mo(mo, catalog)
    return mo.getvalue()


def _compiled(catalog: Catalog) -> Translations:
    return Translations(io.BytesIO(_mo(catalog)))


@lru_cache(maxsize=8)
def _shipped(language: str, cache_dir: Path | None = None) -> Translations:
    """The shipped catalog of `language`, compiled; kept so in `cache_dir` (a site's cache folder, when it
    exists) under the digest of the .po file and Babel's version, and read from there by the next build."""
    if cache_dir is None or not cache_dir.is_dir():
        return _compiled(read_catalog(language))
    folder = cache_dir / "locale"
    compiled = folder / f"{language}-{digest(catalog_path(language).read_bytes(), babel.__version__)[:16]}.mo"
    try:
        return Translations(io.BytesIO(compiled.read_bytes()))
    except (OSError, ValueError, LookupError, struct.error):  # none yet, or damaged: compiled anew
        pass
    mo = _mo(read_catalog(language))
    try:
        atomic_write(compiled, mo)
        for old in folder.glob(f"{language}-*.mo"):  # the compiled copies of earlier catalogs
            if old != compiled:
                old.unlink(missing_ok=True)
    except OSError:  # a read-only cache folder: the next build compiles it again
        pass
    return Translations(io.BytesIO(mo))


@lru_cache(maxsize=8)
def form_categories(language: str) -> tuple[str, ...]:
    """The CLDR plural category ("one", "other") of each of a catalog's plural forms, in order."""
    choose, rule = _shipped(language).plural, Locale.parse(language).plural_form
    categories: dict[int, str] = {}
    for n in range(1000):
        categories.setdefault(choose(n), rule(n))
    return tuple(categories.get(i, "other") for i in range(read_catalog(language).num_plurals))


def translations(language: str, overrides: Mapping[str, object] | None = None, *,
                 config_file: Path | None = None, cache_dir: Path | None = None) -> Translations:
    """The UI strings of `language` (a `language` setting), with `overrides` ([params.strings]) first.

    A bad override is a ConfigError naming its key (in `config_file`). `cache_dir`: where the shipped
    catalog is kept compiled (`_shipped`)."""
    lang = catalog_language(language)
    shipped = _shipped(lang, cache_dir)
    if not overrides:
        return shipped
    from babel.messages.catalog import Catalog  # deferred, as read_po: only a site with overrides needs it

    layer = Catalog(locale=lang)
    for msgid, text in overrides.items():
        try:
            layer.add(*_override(lang, str(msgid), text))
        except ValueError as exc:
            raise ConfigError(str(exc), file=config_file, key=f"params.strings.{msgid!r}") from None
    translated = _compiled(layer)
    translated.add_fallback(shipped)
    return translated


def _override(lang: str, msgid: str, text: object) -> tuple[str | tuple[str, str], str | tuple[str, ...]]:
    """(id, string) of one [params.strings] entry for a Catalog; ValueError saying what is wrong."""
    shipped, categories = read_catalog(lang).get(msgid), form_categories(lang)
    plural = shipped.id[1] if shipped is not None and shipped.pluralizable else None
    names = set(_PLACEHOLDER.findall(msgid + (plural or "")))
    if isinstance(text, Mapping):
        if shipped is not None and plural is None:
            raise ValueError("not a plural string: give one text, not a table")
        unknown = sorted(set(map(str, text)) - set(categories))
        if unknown or "other" not in text:
            raise ValueError(f"give the plural forms as {{ {', '.join(f'{c} = ...' for c in categories)} }} "
                             f"(\"other\" at least){'; not ' + ', '.join(unknown) if unknown else ''}")
        forms = tuple(_formats(str(text.get(c, text["other"])), names) for c in categories)
        return (msgid, plural or msgid), forms
    if not isinstance(text, str):
        raise ValueError(f"expected a text (or a table of plural forms), got {text!r}")
    if plural is not None:
        raise ValueError(f"a plural string: give its forms, {{ {', '.join(f'{c} = ...' for c in categories)} }}")
    return msgid, _formats(text, names)


def _formats(text: str, names: set[str]) -> str:
    """`text`, which must format with the message's placeholders (a literal % is written %%)."""
    try:
        text % {name: "" for name in names}  # noqa: B018 - formatting is the check
    except (KeyError, ValueError, TypeError) as exc:
        allowed = ", ".join(f"%({n})s" for n in sorted(names)) or "none"
        raise ValueError(f"{text!r} does not format (placeholders: {allowed}; a literal % is %%): "
                         f"{type(exc).__name__} {exc}") from None
    return text


def site_translations(config: Config) -> Translations:
    """The site's UI strings: its language's catalog under its `[params.strings]` overrides."""
    overrides = config.params.get("strings")
    if overrides is not None and not isinstance(overrides, Mapping):
        raise ConfigError(f"expected a table of strings, got {overrides!r}", file=config.config_file,
                          key="params.strings")
    return translations(config.language, overrides, config_file=config.config_file, cache_dir=config.cache_path)


def template_callables(ui: Translations) -> dict[str, Callable[..., str]]:
    """`_`, `gettext` and `ngettext` for templates, behaving as `jinja2.ext.i18n`'s newstyle ones do: the
    translation is Markup where the template autoescapes, and is always %-formatted with the given values
    (escaped), so `%%` is a literal % even without values.

    One call instead of Jinja's three (its `_` looks up `gettext`, which calls the catalog, each through
    the template context), and a string without values is looked up once per environment: a product page
    shows a dozen UI strings, and Jinja's wrappers were 8% of its render time."""
    done: dict[tuple[str, bool], str] = {}

    @pass_eval_context
    def gettext(eval_ctx: EvalContext, __string: str, **variables: object) -> str:
        if not variables:
            key = (__string, eval_ctx.autoescape)
            found = done.get(key)
            if found is None:
                found = done[key] = _formatted(ui.gettext(__string), eval_ctx, {})
            return found
        return _formatted(ui.gettext(__string), eval_ctx, variables)

    @pass_eval_context
    def ngettext(eval_ctx: EvalContext, __singular: str, __plural: str, __num: int, **variables: object) -> str:
        variables.setdefault("num", __num)
        return _formatted(ui.ngettext(__singular, __plural, __num), eval_ctx, variables)

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def _formatted(text: str, eval_ctx: EvalContext, variables: Mapping[str, object]) -> str:
    return (Markup(text) if eval_ctx.autoescape else text) % variables


@lru_cache(maxsize=8)
def _singular_of(language: str) -> dict[str, str]:
    """Plural source text -> singular source text of every plural string of a catalog."""
    return {m.id[1]: m.id[0] for m in read_catalog(language) if m.pluralizable}


def legacy_t(language: str, ui: Translations) -> Callable[..., str]:
    """`t("Buy at {store}", store=..., count=None)`, the string helper of themes before the catalogs.

    `{name}` is the catalogs' `%(name)s`; a text given with `count` is a plural string named by its
    plural form (`t("{n} products", count=k, n=k)`). The result is plain text (escaped where shown),
    as it always was. New templates use `_()` and `ngettext()`. The catalog's plural strings are looked up
    (from its .po file) when a `t` with `count` first asks: a build that asks none does not parse it."""
    lang = catalog_language(language)

    def t(text: str, count: float | None = None, **values: object) -> str:
        msgid = re.sub(r"\{(\w+)\}", r"%(\1)s", text.replace("%", "%%"))
        singular = _singular_of(lang).get(msgid) if count is not None else None
        found = ui.gettext(msgid) if singular is None else ui.ngettext(singular, msgid, count)  # type: ignore[arg-type]
        return found % values

    return t


"""Translated UI strings of the theme (sv, da, nb, en), like the WordPress plugin's four languages.

Templates call `t("Buy at {store}", store=...)`; the English text is the
key, so a missing translation falls back to readable English. Text that
depends on a number passes `count=`: `t("{n} products", count=k, n=k|number)`
picks the language's plural form with Babel's CLDR rules ("1 produkt",
"2 produkter") from `PLURALS`. A site can
override or add strings in `[params.strings]`... kept out of here: this
module only owns the built-in catalogue.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from babel import Locale

STRINGS: dict[str, dict[str, str]] = {
    "sv": {
        "Skip to content": "Hoppa till innehållet",
        "Home": "Start",
        "Page not found": "Sidan hittades inte",
        "The page you asked for does not exist.": "Sidan du söker finns inte.",
        "Back to the home page": "Tillbaka till startsidan",
        "Contents": "Innehåll",
        "Previous": "Föregående",
        "Next": "Nästa",
        "Page {n}": "Sida {n}",
        "Pages": "Sidor",
        "Buy at {store}": "Köp hos {store}",
        "To the store": "Till butiken",
        "Search": "Sök",
        "Search is not available on this site right now.": "Sökningen är inte tillgänglig just nu.",
        "Widgets": "Widgetar",
        "Copy": "Kopiera",
        "Copied": "Kopierad",
        "context": "kontext",
        "Embed with an iframe": "Bädda in med iframe",
        "Embed with a script": "Bädda in med skript",
        "Paste an embed code into any page. The script variant renders inside a Shadow DOM; the iframe variant sizes itself with the optional host snippet.": "Klistra in en inbäddningskod på valfri sida. Skriptvarianten ritas i en Shadow DOM; iframe-varianten anpassar sin höjd med det valfria värdskriptet.",
        "Price": "Pris",
        "Regular price": "Ordinarie pris",
        "Sale": "Rea",
        "Free shipping": "Fri frakt",
        "Shipping": "Frakt",
        "Availability": "Tillgänglighet",
        "Shipping {cost}": "Frakt {cost}",
        "In stock": "I lager",
        "Out of stock": "Slut i lager",
        "Brand": "Varumärke",
        "Store": "Butik",
        "Category": "Kategori",
        "Categories": "Kategorier",
        "Stores": "Butiker",
        "Brands": "Varumärken",
        "Related products": "Liknande produkter",
        "Others also bought": "Andra köpte också",
        "Customers also bought": "Andra köpte också",
        "Description": "Beskrivning",
        "{n} products": "{n} produkter",
        "Filter": "Filtrera",
        "Sort by": "Sortera efter",
        "Relevance": "Relevans",
        "Price, low to high": "Pris, lägst först",
        "Price, high to low": "Pris, högst först",
        "Biggest discount": "Störst rabatt",
        "All": "Alla",
        "Min price": "Lägsta pris",
        "Max price": "Högsta pris",
        "Color": "Färg",
        "Reset filters": "Rensa filter",
        "No products match these filters.": "Inga produkter matchar filtren.",
        "Deals": "Erbjudanden",
        "Search": "Sök",
        "Search products": "Sök produkter",
        "Products": "Produkter",
        "Pagination": "Sidnumrering",
        "Ad links: we may earn a commission when you buy.": "Annonslänkar: vi kan få provision när du handlar.",
    },
    "da": {
        "Skip to content": "Spring til indhold",
        "Home": "Forside",
        "Page not found": "Siden blev ikke fundet",
        "The page you asked for does not exist.": "Siden, du leder efter, findes ikke.",
        "Back to the home page": "Tilbage til forsiden",
        "Contents": "Indhold",
        "Previous": "Forrige",
        "Next": "Næste",
        "Page {n}": "Side {n}",
        "Pages": "Sider",
        "Buy at {store}": "Køb hos {store}",
        "To the store": "Til butikken",
        "Price": "Pris",
        "Regular price": "Normalpris",
        "Sale": "Udsalg",
        "Free shipping": "Gratis fragt",
        "Shipping": "Fragt",
        "Availability": "Tilgængelighed",
        "Shipping {cost}": "Fragt {cost}",
        "In stock": "På lager",
        "Out of stock": "Ikke på lager",
        "Brand": "Mærke",
        "Store": "Butik",
        "Category": "Kategori",
        "Categories": "Kategorier",
        "Stores": "Butikker",
        "Brands": "Mærker",
        "Related products": "Lignende produkter",
        "Others also bought": "Andre købte også",
        "Customers also bought": "Andre købte også",
        "Description": "Beskrivelse",
        "{n} products": "{n} produkter",
        "Filter": "Filtrer",
        "Sort by": "Sortér efter",
        "Relevance": "Relevans",
        "Price, low to high": "Pris, lav til høj",
        "Price, high to low": "Pris, høj til lav",
        "Biggest discount": "Største rabat",
        "All": "Alle",
        "Min price": "Min. pris",
        "Max price": "Maks. pris",
        "Color": "Farve",
        "Reset filters": "Nulstil filtre",
        "No products match these filters.": "Ingen produkter matcher filtrene.",
        "Deals": "Tilbud",
        "Search": "Søg",
        "Search products": "Søg produkter",
        "Products": "Produkter",
        "Pagination": "Sidenavigation",
        "Ad links: we may earn a commission when you buy.": "Annoncelinks: vi kan modtage provision, når du køber.",
    },
    "nb": {
        "Skip to content": "Hopp til innholdet",
        "Home": "Hjem",
        "Page not found": "Siden finnes ikke",
        "The page you asked for does not exist.": "Siden du ba om finnes ikke.",
        "Back to the home page": "Tilbake til forsiden",
        "Contents": "Innhold",
        "Previous": "Forrige",
        "Next": "Neste",
        "Page {n}": "Side {n}",
        "Pages": "Sider",
        "Buy at {store}": "Kjøp hos {store}",
        "To the store": "Til butikken",
        "Price": "Pris",
        "Regular price": "Ordinær pris",
        "Sale": "Salg",
        "Free shipping": "Gratis frakt",
        "Shipping": "Frakt",
        "Availability": "Tilgjengelighet",
        "Shipping {cost}": "Frakt {cost}",
        "In stock": "På lager",
        "Out of stock": "Utsolgt",
        "Brand": "Merke",
        "Store": "Butikk",
        "Category": "Kategori",
        "Categories": "Kategorier",
        "Stores": "Butikker",
        "Brands": "Merker",
        "Related products": "Lignende produkter",
        "Others also bought": "Andre kjøpte også",
        "Customers also bought": "Andre kjøpte også",
        "Description": "Beskrivelse",
        "{n} products": "{n} produkter",
        "Filter": "Filtrer",
        "Sort by": "Sorter etter",
        "Relevance": "Relevans",
        "Price, low to high": "Pris, lav til høy",
        "Price, high to low": "Pris, høy til lav",
        "Biggest discount": "Størst rabatt",
        "All": "Alle",
        "Min price": "Min. pris",
        "Max price": "Maks. pris",
        "Color": "Farge",
        "Reset filters": "Nullstill filtre",
        "No products match these filters.": "Ingen produkter passer filtrene.",
        "Deals": "Tilbud",
        "Search": "Søk",
        "Search products": "Søk produkter",
        "Products": "Produkter",
        "Pagination": "Sidenavigasjon",
        "Ad links: we may earn a commission when you buy.": "Annonselenker: vi kan få provisjon når du handler.",
    },
}
# Plural forms by CLDR category (Babel's `Locale.plural_form`); English is the fallback for every language.
PLURALS: dict[str, dict[str, dict[str, str]]] = {
    "en": {"{n} products": {"one": "{n} product", "other": "{n} products"},
           "{n} results": {"one": "{n} result", "other": "{n} results"}},
    "sv": {"{n} products": {"one": "{n} produkt", "other": "{n} produkter"},
           "{n} results": {"one": "{n} träff", "other": "{n} träffar"}},
    "da": {"{n} products": {"one": "{n} produkt", "other": "{n} produkter"},
           "{n} results": {"one": "{n} resultat", "other": "{n} resultater"}},
    "nb": {"{n} products": {"one": "{n} produkt", "other": "{n} produkter"},
           "{n} results": {"one": "{n} treff", "other": "{n} treff"}},
}
STRINGS["no"] = STRINGS["nb"]
PLURALS["no"] = PLURALS["nb"]
# What `language` may be: any other value would give pages a wrong lang="" and an English UI.
LANGUAGES = ("en", *STRINGS)


@lru_cache(maxsize=16)
def _plural_rule(language: str) -> Callable[[float], str]:
    return Locale.parse(language if language != "no" else "nb").plural_form  # type: ignore[no-any-return]


def plural_category(language: str, count: float) -> str:
    """CLDR plural category ("one", "other", ...) of `count` in `language`, by Babel."""
    return _plural_rule(language.split("_")[0].lower() or "en")(abs(count))


def translator(language: str) -> Callable[..., str]:
    """`t(text, count=None, **values)` for one language; unknown text falls back to English.

    With `count`, the text's plural form for that number is used (its `other` form when the
    language has no entry for that category).
    """
    lang = language.split("_")[0].lower() or "en"
    table = STRINGS.get(lang, {})
    plurals = PLURALS.get(lang, {})

    def t(text: str, count: float | None = None, **values: object) -> str:
        if count is not None:
            forms = plurals.get(text) or PLURALS["en"].get(text)
            if forms is not None:
                template = forms.get(plural_category(lang, count), forms["other"])
                return template.format(**values)
        template = table.get(text, text)
        return template.format(**values) if values else template

    return t

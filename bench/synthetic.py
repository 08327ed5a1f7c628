"""Deterministic synthetic catalogues for scale tests: N products, streamed.

Owns generating realistic-looking Swedish product data (names, brands,
prices with about a fifth on sale, a two-level category tree, stores) from a
seed, so the same (n, seed) always gives the same catalogue.

Names (`names=`):
- "realistic" (the default): as in real Shopello responses
  (/work/shared/fixtures/shopello: "Joker 140 pendel, orange", "Topan VP6, orange", "Stokke, Tripp
  Trapp, Matstol, Lava Orange"), most names carry a model name shared by one product line (its
  variants: colours, sizes, materials), some a model code or a size, around the category's noun and a
  colour. New lines keep appearing as the catalogue grows (a new line for the i-th product with
  probability i^-0.2: about 2,000 lines at 10,000 products, 80,000 at 1,000,000), so the vocabulary
  grows as real catalogues' does (Heaps' law), while a tenth of the names are made of common words
  only. In the fixtures 31 of 32 names hold a word no other name holds; 7 a model code or size.
- "fixed": adjective + noun + "i" + material + colour, with a brand in front for some: the 101 words
  of these lists whatever N (what this module made before), kept as a hard case for related products.
 Products are yielded as API-shaped
dicts one at a time, so N = 1,000,000 needs no more memory than N = 10. It
must not touch a catalog; callers import what it yields.

    python bench/synthetic.py 100000 > products.jsonl          # JSON lines for `catalog import`
    python bench/synthetic.py 100000 1 fixed > products.jsonl  # names from 101 words
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
from typing import Any

TREE = {
    (1, "Belysning"): ["Taklampor", "Bordslampor", "Golvlampor", "Vägglampor"],
    (2, "Möbler"): ["Soffor", "Stolar", "Bord", "Förvaring"],
    (3, "Kök"): ["Kastruller", "Knivar", "Kaffebryggare", "Glas"],
    (4, "Barn & familj"): ["Leksaker", "Barnkläder", "Barnvagnar"],
    (5, "Bygg & trädgård"): ["Dörrar", "Verktyg", "Trädgårdsmöbler"],
    (6, "Sport & fritid"): ["Cyklar", "Löpning", "Camping"],
}
NOUNS = {
    "Taklampor": ["taklampa", "pendel", "plafond"], "Bordslampor": ["bordslampa", "lampa"],
    "Golvlampor": ["golvlampa", "läslampa"], "Vägglampor": ["vägglampa", "spotlight"],
    "Soffor": ["soffa", "divan", "bäddsoffa"], "Stolar": ["stol", "pall", "fåtölj"], "Bord": ["bord", "soffbord"],
    "Förvaring": ["hylla", "skåp", "byrå"], "Kastruller": ["kastrull", "stekpanna"], "Knivar": ["kniv", "knivset"],
    "Kaffebryggare": ["kaffebryggare", "espressomaskin"], "Glas": ["vinglas", "dricksglas"],
    "Leksaker": ["pussel", "docka", "bil"], "Barnkläder": ["overall", "tröja", "mössa"],
    "Barnvagnar": ["barnvagn", "sittvagn"], "Dörrar": ["dörr", "innerdörr", "dörrhandtag"],
    "Verktyg": ["borrmaskin", "hammare", "skruvdragare"], "Trädgårdsmöbler": ["solstol", "hammock"],
    "Cyklar": ["cykel", "elcykel"], "Löpning": ["löparsko", "löparjacka"], "Camping": ["tält", "sovsäck"],
}
ADJECTIVES = ["Klassisk", "Modern", "Liten", "Stor", "Rustik", "Nordisk", "Elegant", "Praktisk", "Mjuk", "Robust"]
MATERIALS = ["ek", "björk", "mässing", "glas", "stål", "bomull", "ull", "läder", "betong", "rotting"]
COLOURS = ["vit", "svart", "grå", "grön", "blå", "röd", "orange", "beige", "gul", "rosa"]
BRANDS = ["Nordlux", "Markslöjd", "Herstal", "Kartell", "Muuto", "Hay", "Iittala", "Fiskars", "Brio", "LEGO",
          "Stiga", "Bosch", "Swedoor", "Habo", "Crescent", "Fjällräven", "Haglöfs", "Åhléns", "Bébé Confort", ""]
STORES = ["RUM21", "Lekmer", "Designonline.se", "Byggmax", "Bauhaus", "Babyland", "Cykelkraft", "Stadium",
          "Kitchentime", "Magasin 11", "Ellos", "Jollyroom", "Hemtex", "Clas Ohlson", "Nordicnest"]


def categories() -> list[dict[str, Any]]:
    """The category tree: 6 parents (ids 1-6), their children (ids 100+), with parent_id."""
    out = []
    for (parent_id, parent_name), children in TREE.items():
        out.append({"category_id": parent_id, "name": parent_name})
        for index, child in enumerate(children):
            out.append({"category_id": parent_id * 100 + index, "name": child, "parent_id": parent_id})
    return out


def stores() -> list[dict[str, Any]]:
    return [{"store_id": 5000 + i, "name": name, "url": f"https://se.shopelloapi.com/click/store/{5000 + i}"}
            for i, name in enumerate(STORES)]


NAMES = ("realistic", "fixed")
SYLLABLES = [c + v for c in "bdfghjklmnprstvz" for v in "aeiouy"] + ["sto", "kan", "lin", "tor", "vik", "mar"]
CODE_LETTERS = ["T", "E", "S", "VP", "GU", "X", "R", "MR", "LED", "W"]
SIZES = ["40 cm", "60 cm", "90 cm", "140 cm", "2-sits", "3-sits", "XS", "S", "M", "L", "XL", "0,5 l", "1,5 l",
         "3mm", "6 st", "12-pack", "Ø45", "Ø60"]


class ProductLines:
    """Model names shared by a line's variants; new lines appear at a falling rate (Heaps' law)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"lines-{seed}")
        self.lines: list[tuple[str, dict[str, Any], str, str]] = []  # (model, leaf, noun, brand)

    def line(self, index: int, leaf: dict[str, Any], noun: str, brand: str) -> tuple[str, dict[str, Any], str, str]:
        rng = self.rng
        if not self.lines or rng.random() < (index + 1) ** -0.2:
            model = "".join(rng.choices(SYLLABLES, k=rng.choice((2, 2, 3)))).capitalize()
            if rng.random() < 0.15:
                model += " " + "".join(rng.choices(SYLLABLES, k=2)).capitalize()  # "Tripp Trapp", "May Day"
            if rng.random() < 0.3:
                model += f" {rng.choice(CODE_LETTERS)}{rng.randint(1, 999) * rng.choice((1, 1, 10))}"
            self.lines.append((model, leaf, noun, brand))
            return self.lines[-1]
        return rng.choice(self.lines)

    def name(self, index: int, leaf: dict[str, Any], noun: str, brand: str, adjective: str, material: str,
             colour: str) -> tuple[str, dict[str, Any], str, str]:
        """(name, leaf, noun, brand): a variant of a line, or (a tenth) a name of common words only."""
        rng = self.rng
        if rng.random() < 0.1:
            return f"{adjective} {noun} i {material}, {colour}", leaf, noun, brand
        model, leaf, noun, brand = self.line(index, leaf, noun, brand)
        size = f" {rng.choice(SIZES)}" if rng.random() < 0.35 else ""
        shape = rng.random()
        if shape < 0.4:
            name = f"{model} {noun}{size}, {colour}"
        elif shape < 0.6 and brand:
            name = f"{brand}, {model}, {noun.capitalize()}, {colour.capitalize()}"
        elif shape < 0.8:
            name = f"{noun.capitalize()} {model} {material}{size}, {colour}"
        else:
            name = f"{model} {noun} i {material}, {colour}{size}"
        return name, leaf, noun, brand


def products(n: int, seed: int = 1, names: str = "realistic") -> Iterator[dict[str, Any]]:
    """N API-shaped products with ids 1..n; the same (n, seed, names) gives the same products.

    Prices, stores and images are the same whichever `names`; categories, brands and names differ."""
    if names not in NAMES:
        raise ValueError(f"names: one of {', '.join(NAMES)}, not {names!r}")
    rng = random.Random(seed)
    lines = ProductLines(seed)
    leaves = [c for c in categories() if "parent_id" in c]
    shops = stores()
    for product_id in range(1, n + 1):
        leaf = rng.choice(leaves)
        noun = rng.choice(NOUNS[leaf["name"]])
        brand = rng.choice(BRANDS)
        adjective, material, colour = rng.choice(ADJECTIVES), rng.choice(MATERIALS), rng.choice(COLOURS)
        name = f"{adjective} {noun} i {material}, {colour}"
        drawn_brand = brand  # the main generator draws the same numbers whichever names: the same prices
        if names == "realistic":
            name, leaf, noun, brand = lines.name(product_id, leaf, noun, brand, adjective, material, colour)
        regular = round(rng.lognormvariate(6, 1.1)) + 9
        on_sale = rng.random() < 0.2
        price = round(regular * rng.uniform(0.5, 0.9)) if on_sale else regular
        store = rng.choice(shops)
        images = {} if rng.random() < 0.05 else {
            str(size): f"https://cdn.example/p/{product_id}.jpg?w={size}" for size in (160, 220, 320, 440)}
        yield {
            "product_id": product_id,
            "name": (f"{brand} " if drawn_brand and rng.random() < 0.3 and brand and not name.startswith(brand)
                     else "") + name,
            "description": f"{name} från {brand or store['name']}. Passar bra i hemmet; {noun} av hög kvalitet.",
            "url": f"https://se.shopelloapi.com/click/{product_id}",
            "price": {"price": price, "regular_price": regular if on_sale else 0, "reduction_percent": 0,
                      "currency": "SEK"},
            "categories": [{"category_id": leaf["category_id"], "name": leaf["name"]}],
            "attributes": {"brand": brand} if brand else [],
            "images": images or [],
            "store": {"store_id": store["store_id"], "name": store["name"], "url": store["url"]},
            "original_url": f"https://shop.example/{store['store_id']}/{product_id}",
        }


def main(argv: list[str]) -> None:
    n = int(argv[1]) if len(argv) > 1 else 1000
    seed = int(argv[2]) if len(argv) > 2 else 1
    names = argv[3] if len(argv) > 3 else "realistic"
    write = sys.stdout.write
    for product in products(n, seed, names):
        write(json.dumps(product, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv)

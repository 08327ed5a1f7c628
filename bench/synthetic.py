"""Deterministic synthetic catalogues for scale tests: N products, streamed.

Owns generating realistic-looking Swedish product data (names from
adjective + material + product noun + colour, brands, prices with about a
fifth on sale, a two-level category tree, stores) from a seed, so the same
(n, seed) always gives the same catalogue. Products are yielded as API-shaped
dicts one at a time, so N = 1,000,000 needs no more memory than N = 10. It
must not touch a catalog; callers import what it yields.

    python bench/synthetic.py 100000 > products.jsonl   # JSON lines for `catalog import`
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


def products(n: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """N API-shaped products with ids 1..n; the same (n, seed) gives the same products."""
    rng = random.Random(seed)
    leaves = [c for c in categories() if "parent_id" in c]
    shops = stores()
    for product_id in range(1, n + 1):
        leaf = rng.choice(leaves)
        noun = rng.choice(NOUNS[leaf["name"]])
        brand = rng.choice(BRANDS)
        name = f"{rng.choice(ADJECTIVES)} {noun} i {rng.choice(MATERIALS)}, {rng.choice(COLOURS)}"
        regular = round(rng.lognormvariate(6, 1.1)) + 9
        on_sale = rng.random() < 0.2
        price = round(regular * rng.uniform(0.5, 0.9)) if on_sale else regular
        store = rng.choice(shops)
        images = {} if rng.random() < 0.05 else {
            str(size): f"https://cdn.example/p/{product_id}.jpg?w={size}" for size in (160, 220, 320, 440)}
        yield {
            "product_id": product_id,
            "name": (f"{brand} " if brand and rng.random() < 0.3 else "") + name,
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
    write = sys.stdout.write
    for product in products(n, seed):
        write(json.dumps(product, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv)

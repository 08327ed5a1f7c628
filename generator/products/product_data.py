"""The publisher's own data about a product: `data/products/<product id>.yaml`.

    rating: 4.5            # the review keys of content/reviews.py: rating, best, worst, pros, cons, verdict,
    pros: [Stable, Grows with the child]        # aggregate_rating (only the publisher's own readers')
    cons: [Pricey]
    verdict: The chair to buy.
    specs: {Material: Beech, Weight: 7 kg}     # the publisher's own fields: product pages, comparisons

    load_product_data(config)       product id -> ProductData, every file checked (one line per error, at
                                    its file and line, with a suggestion for a mistyped key)
    unknown_products(data, shown)   a file for a product the site shows on no page, as warnings (a typo
                                    in its name, or a product gone: `links check` lists those)

A grouped product (one product, many shops) takes the data of the first of its offers, cheapest first,
that has a file. Templates see `own` on product pages (`own.review`, `own.specs`) and comparison tables
read a field from `specs` when the shop has no attribute of that name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from generator.config.schema import Config
from generator.content.reviews import KEYS as REVIEW_KEYS, Review, parse_review
from generator.core.containment import SiteFiles
from generator.core.digest import file_signature
from generator.core.errors import ContentError, did_you_mean

DATA_DIR = "data/products"
KEYS = (*REVIEW_KEYS, "specs")


@dataclass(frozen=True)
class ProductData:
    review: Review | None
    specs: tuple[tuple[str, str], ...] = ()  # (label, value) in the file's order

    def spec(self, label: str) -> str:
        """The value of `label` (case aside), "" when the file gives none."""
        return next((value for name, value in self.specs if name.casefold() == label.casefold()), "")


def _key_line(text: str, path: Sequence[str]) -> int | None:
    """The line of `path` (nested keys) in the YAML `text`, else of its nearest parent: only ever for an error."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = 1
    for key in path:
        if not isinstance(node, yaml.MappingNode):
            break
        found = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
        if found is None:
            break
        line, node = found[0].start_mark.line + 1, found[1]
    return line


def _parse(path: Path, shown: str) -> ProductData:
    text = path.read_text(encoding="utf-8")

    def error(where: Sequence[str], message: str) -> ContentError:
        key = ".".join(where)
        return ContentError(f"{key}: {message}" if key else message, file=shown, line=_key_line(text, where))

    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ContentError(f"not valid YAML ({getattr(exc, 'problem', None) or exc}); fix the file",
                           file=shown, line=mark.line + 1 if mark else None) from None
    if not isinstance(raw, Mapping) or not raw:
        raise error((), f"expected a mapping of {', '.join(KEYS)}")
    for key in raw:
        if key not in KEYS:
            raise error((str(key),), f"unknown key{did_you_mean(str(key), KEYS)} (the keys: {', '.join(KEYS)})")
    review_raw = {k: v for k, v in raw.items() if k != "specs"}
    review = parse_review(review_raw, (), lambda where, message: error(where, message), split=False) \
        if review_raw else None
    specs = raw.get("specs") or {}
    if not isinstance(specs, Mapping) or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                                 for v in specs.values()):
        raise error(("specs",), f"expected a mapping of field = text, e.g. {{Material: Beech}}, got {specs!r}")
    return ProductData(review, tuple((str(k).strip(), str(v).strip()) for k, v in specs.items()))


def _files(config: Config) -> list[Path]:
    folder = config.site_dir / DATA_DIR
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith(".")) \
        if folder.is_dir() else []


def files_signature(config: Config) -> str:
    """(path, mtime, size) of every data file, for the build's inputs signature: an edited, added or removed
    file is a changed input."""
    files = _files(config)
    return repr(file_signature(files)) if files else ""


def load_product_data(config: Config) -> dict[int, ProductData]:
    """Every `data/products/<id>.yaml` of the site, parsed and checked; {} without the folder."""
    found: dict[int, ProductData] = {}
    for path in _files(config):
        SiteFiles(config.site_dir).check(path)
        shown = f"{DATA_DIR}/{path.name}"
        if not path.stem.isdigit() or int(path.stem) <= 0:
            raise ContentError(f"name the file by its product id, e.g. {DATA_DIR}/508.yaml", file=shown)
        if int(path.stem) in found:
            raise ContentError(f"product {int(path.stem)} has two data files; keep one", file=shown)
        found[int(path.stem)] = _parse(path, shown)
    return found


def unknown_products(data: Mapping[int, ProductData], shown: Iterable[int]) -> list[str]:
    """One line per data file of a product no page of the site shows, naming the file, with the nearest id: a
    warning, not an error (`--strict` makes it one), so a product that leaves the shop does not stop a
    scheduled build; `links check` reports it as gone."""
    known = {str(pid) for pid in shown}
    return [f"{DATA_DIR}/{pid}.yaml:1: product {pid} is on no page of the site"
            f"{did_you_mean(str(pid), sorted(known), cutoff=0.5)}; rename the file to the product's id, put the "
            "product on a page, or remove the file" for pid in sorted(data) if str(pid) not in known]


def data_of(data: Mapping[int, ProductData], offers: Iterable[int]) -> ProductData | None:
    """The data of the first of `offers` (product ids, cheapest first) that has any."""
    return next((data[pid] for pid in offers if pid in data), None)

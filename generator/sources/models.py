"""Result types every product source returns: Product, Category, Store, Brand,
ProductPage (products + total_found + facets) and CategoryNode.

Parsing is tolerant of the real API's irregularities (`attributes: []`,
`images: []`, `regular_price: 0` meaning "no sale", numbers as strings,
PHP's `_empty_` key). Product records are validated here, once, by the
rules of `records.py`: a hostile value drops the field or the product and is
reported to the caller's IssueSink (`parse_products`), never fails a build.
The envelope around them (a response that is not an object, `data` that is
not a list) raises PayloadError, which the source turns into an error naming
the endpoint. `to_api()` writes the API's own shape back, so the catalog can
serve the loopback test API and widgets can embed products as JSON.

Values are kept as the API sent them (untrusted text); escaping is the
renderer's job, and URL scheme checks live in `generator.core.safety`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from generator.sources import records
from generator.sources.records import (DESCRIPTION_CHARS, MAX_ENTRIES, BadValue, FieldReader, IssueSink, PayloadError, RecordError,
                      missing)

IMAGE_SIZES = (160, 220, 320, 440)
PAYLOAD_FORMAT = 1
"""The version of `Product.to_api()`'s shape that `Product.from_checked` reads: bump it when either changes,
and payloads stored by an older version are validated again."""
KNOWN_ATTRIBUTES = ("brand", "color", "size", "gender", "gtin")
_STORED_ATTRIBUTES = frozenset(KNOWN_ATTRIBUTES) | {"shipping_cost", "stock"}
_SHARED_ATTRIBUTES = frozenset({"brand", "color", "size", "gender"})  # few distinct values in a catalog


def _shared(value: Any) -> Any:
    """One string object for each distinct value of a field most products repeat (a store's name and URL,
    a brand, a currency, a category's name): a build holds every product of the site at once, and a
    catalog of a million products names a few thousand stores and brands."""
    return sys.intern(value) if type(value) is str else value


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PayloadError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _list_or_empty(value: Any) -> list[Any] | Mapping[str, Any]:
    """PHP encodes an empty associative array as `[]`: treat it as empty."""
    if value is None or value == [] or value == "":
        return {}
    return value


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise PayloadError(f"{where}: expected a number, got {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise PayloadError(f"{where}: expected a number, got {value!r}") from None


def _float(value: Any, where: str, default: float = 0.0) -> float:
    if missing(value):
        return default
    try:
        return round(records.number(value), 2)
    except BadValue as exc:
        raise PayloadError(f"{where}: {exc}") from None


def _str(value: Any) -> str:
    """Text of a taxonomy entry (category, store, brand, facet): cleaned as product text is, not cut."""
    return "" if value is None else records.clean_text(str(value))


@dataclass(frozen=True)
class Price:
    price: float
    regular_price: float = 0.0
    reduction_percent: float = 0.0
    currency: str = "SEK"

    @property
    def on_sale(self) -> bool:
        """`regular_price` 0 means "no sale" in the API."""
        return self.regular_price > self.price > 0 or (self.reduction_percent > 0 and self.regular_price > 0)


@dataclass(frozen=True)
class CategoryRef:
    category_id: int
    name: str


@dataclass(frozen=True)
class StoreRef:
    store_id: int
    name: str
    url: str = ""


@dataclass(frozen=True)
class Attributes:
    """Product attributes: the documented ones typed, the rest kept in `other`."""

    brand: str = ""
    color: str = ""
    size: str = ""
    gender: str = ""
    gtin: str = ""
    shipping_cost: float | None = None
    stock: bool | None = None
    other: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_api(cls, value: Any, read: FieldReader) -> Attributes:
        known: dict[str, Any] = {}
        other: dict[str, str] = {}
        for raw_key, raw in read.mapping(value, "attributes").items():
            label = records.text(str(raw_key), 60)
            key = label.lower().replace("-", "_")
            where = f"attributes.{label}"
            if key in KNOWN_ATTRIBUTES:
                known[key] = read.optional(records.text, raw, where, "")
            elif key in ("shipping_cost", "shippingcost", "shipping"):
                known["shipping_cost"] = read.optional(records.amount, raw, where, None)
            elif key in ("stock", "in_stock", "instock"):
                known["stock"] = read.optional(records.flag, raw, where, None)
            elif key not in ("_empty_", "") and len(other) < MAX_ENTRIES:
                kept = read.optional(records.text, raw, where, "")
                if kept:
                    other[label] = kept
        return cls(**known, other=tuple(sorted(other.items())))

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in KNOWN_ATTRIBUTES if getattr(self, k)}
        if self.shipping_cost is not None:
            out["shipping_cost"] = self.shipping_cost
        if self.stock is not None:
            out["stock"] = 1 if self.stock else 0
        out.update(dict(self.other))
        return out


@dataclass(frozen=True)
class Product:
    product_id: int
    name: str
    description: str
    url: str
    price: Price
    categories: tuple[CategoryRef, ...] = ()
    attributes: Attributes = field(default_factory=Attributes)
    images: tuple[tuple[int, str], ...] = ()
    store: StoreRef = field(default_factory=lambda: StoreRef(0, ""))
    original_url: str = ""
    revenue_segment: str = ""
    digest: str = field(default="", compare=False, repr=False)
    """A digest of the stored record this product was loaded from ("" when it came another way): equal
    digests mean equal products, so the build state fingerprints a catalog product without walking it."""

    @property
    def brand(self) -> str:
        return self.attributes.brand

    def image(self, size: int = 220) -> str:
        """The image closest to `size` pixels (at least as large when possible)."""
        if not self.images:
            return ""
        larger = [(s, u) for s, u in self.images if s >= size]
        return (larger[0] if larger else self.images[-1])[1]

    @classmethod
    def from_api(cls, raw: Any, report: IssueSink | None = None) -> Product:
        """Validate one product record by the rules of `records.py`.

        Raises RecordError (a PayloadError naming product and field) when the
        record is no usable product. A field that is unusable takes its empty
        default and is reported to `report`; without one, it raises too.
        """
        read = FieldReader(report)
        data = read.record(raw)
        pid = read.required(records.whole_id, data.get("product_id"), "product_id")
        read.product_id = str(pid)
        return cls(
            product_id=pid,
            price=_price(read, data.get("price")),
            name=read.required(records.name, data.get("name"), "name"),
            description=read.optional(records.text, data.get("description"), "description", "", DESCRIPTION_CHARS),
            url=read.optional(records.url, data.get("url"), "url", ""),
            categories=_categories(read, data.get("categories")),
            attributes=Attributes.from_api(data.get("attributes"), read),
            images=_images(read, data.get("images")),
            store=_store(read, data.get("store")),
            original_url=read.optional(records.url, data.get("original_url"), "original_url", ""),
            revenue_segment=read.optional(records.text, data.get("revenue_segment"), "revenue_segment", ""),
        )

    @classmethod
    def from_checked(cls, data: dict[str, Any], digest: str = "") -> Product:
        """The product `data` is the `to_api()` of, for records this shelfpress validated and stored itself
        (the catalog's `checked` rows): rebuilt without validating again, equal to `from_api(data)`.

        Raises KeyError, TypeError or ValueError when `data` is not that shape after all; the caller
        then validates it as any record."""
        price, store = data["price"], data["store"]
        attributes = data["attributes"] or {}
        other = tuple(sorted((k, v) for k, v in attributes.items() if k not in _STORED_ATTRIBUTES))
        stock = attributes.get("stock")
        return cls(
            product_id=int(data["product_id"]), name=data["name"], description=data["description"], url=data["url"],
            price=Price(float(price["price"]), float(price["regular_price"]), float(price["reduction_percent"]),
                        _shared(price["currency"])),
            categories=tuple(CategoryRef(int(c["category_id"]), _shared(c["name"])) for c in data["categories"]),
            attributes=Attributes(**{k: _shared(attributes[k]) if k in _SHARED_ATTRIBUTES else attributes[k]
                                     for k in KNOWN_ATTRIBUTES if k in attributes},
                                  shipping_cost=attributes.get("shipping_cost"),
                                  stock=None if stock is None else bool(stock), other=other),
            images=tuple(sorted((int(size), url) for size, url in (data["images"] or {}).items())),
            store=StoreRef(int(store["store_id"]), _shared(store["name"]), _shared(store["url"])),
            original_url=data["original_url"], revenue_segment=data.get("revenue_segment", ""), digest=digest)

    @property
    def gtin(self) -> str:
        """`attributes.gtin`, which offer grouping reads of every product a build fetches (`offer_keys`):
        a `stored` product not made yet has it from its row."""
        state = self.__dict__
        return state["_gtin"] if "_stored" in state else self.attributes.gtin

    @classmethod
    def stored(cls, product_id: int, url: str, name: str, gtin: str, payload: str | Callable[[int, str], str],
               digest: str) -> Product:
        """The product of a catalog row this shelfpress validated and stored itself (what `from_checked`
        reads, as JSON text), made from it when a field other than its id, click URL, name and digest is read.

        An incremental build loads every product of a 10,000-product listing to fingerprint the listing (the
        digest), place its cards (the id; the click URL, which says whether a product has a safe link; the
        GTIN, which groups offers) and, when the listing changed, list them in its structured data (name and
        URL), yet renders few of them: decoding and rebuilding every record was a third of a rebuild. Equal
        to the product `from_checked` makes; a row that is not the stored shape after all is validated like
        any record when it is read (RecordError if it is no usable product). `payload` may also be what reads
        the record's text, given the product's id and digest, when it is first needed."""
        made = object.__new__(cls)
        made.__dict__.update(product_id=product_id, name=name, url=url, digest=digest, _stored=payload, _gtin=gtin)
        return made

    def text_reader(self) -> object | None:
        """What reads the record text of a `stored` product loaded without it (None once it has its text)."""
        payload = self.__dict__.get("_stored")
        return None if payload is None or isinstance(payload, str) else payload

    def give_text(self, payload: str) -> None:
        """The record text of a `stored` product loaded without it, read for it in bulk (`StoredText.fill`)."""
        self.__dict__["_stored"] = payload

    def __getattr__(self, name: str) -> Any:
        """Reached only for a field a `stored` product has not made yet (every other product has all of its
        fields): make them all from the stored record."""
        state = self.__dict__
        payload = state.get("_stored")
        if payload is None or name not in _FIELDS:
            raise AttributeError(name)
        if not isinstance(payload, str):  # loaded lean: a reader of the record's text (`catalog_query.StoredText`)
            payload = payload(state["product_id"], state["digest"])
        raw = json.loads(payload)
        try:
            made = Product.from_checked(raw, state["digest"])
        except (KeyError, TypeError, ValueError, AttributeError):
            made = Product.from_api(raw)
        state.update({key: value for key, value in made.__dict__.items() if key != "digest"})
        del state["_stored"], state["_gtin"]
        return state[name]

    def to_api(self) -> dict[str, Any]:
        """The API's own JSON shape (as `products` returns it)."""
        def num(value: float) -> int | float:
            return int(value) if value == int(value) else value

        out: dict[str, Any] = {
            "product_id": self.product_id,
            "name": self.name,
            "description": self.description,
            "url": self.url,
            "price": {"price": num(self.price.price), "regular_price": num(self.price.regular_price),
                      "reduction_percent": num(self.price.reduction_percent), "currency": self.price.currency},
            "categories": [{"category_id": c.category_id, "name": c.name} for c in self.categories],
            "attributes": self.attributes.to_api() or [],
            "images": {str(size): url for size, url in self.images} or [],
            "store": {"store_id": self.store.store_id, "name": self.store.name, "url": self.store.url},
            "original_url": self.original_url,
        }
        if self.revenue_segment:
            out["revenue_segment"] = self.revenue_segment
        return out


_FIELDS = frozenset(f.name for f in fields(Product))
for _field in fields(Product):  # a `stored` product's fields not made yet must reach `__getattr__`, not the
    if _field.name in vars(Product):  # class's defaults (the generated __init__ keeps its own copy of them)
        delattr(Product, _field.name)


def _price(read: FieldReader, value: Any) -> Price:
    """The price object: without a usable `price.price` there is no product."""
    if not isinstance(value, Mapping):
        read.drop_product("price", "missing" if missing(value) else f"expected an object, got {type(value).__name__}")
    return Price(
        price=read.required(records.price, value.get("price"), "price.price"),
        regular_price=read.optional(records.amount, value.get("regular_price"), "price.regular_price", 0.0),
        reduction_percent=read.optional(records.percent, value.get("reduction_percent"),
                                        "price.reduction_percent", 0.0),
        currency=read.optional(records.currency, value.get("currency"), "price.currency", "SEK"),
    )


def _categories(read: FieldReader, value: Any) -> tuple[CategoryRef, ...]:
    """`[{category_id, name}]` (or the same keyed by id); an unusable entry is left out."""
    entries = list(value.values()) if isinstance(value, Mapping) else value
    if missing(entries):
        return ()
    if not isinstance(entries, list):
        read.drop_field("categories", f"expected a list, got {type(value).__name__}")
        return ()
    out = []
    for index, entry in enumerate(entries[:MAX_ENTRIES]):
        where = f"categories[{index}]"
        category = read.mapping(entry, where)
        if category:
            category_id = read.optional(records.whole_id, category.get("category_id"), f"{where}.category_id", 0)
            if category_id:
                out.append(CategoryRef(category_id, read.optional(records.text, category.get("name"),
                                                                  f"{where}.name", "")))
            elif missing(category.get("category_id")):
                read.drop_field(where, "no category_id")
    return tuple(out)


def _images(read: FieldReader, value: Any) -> tuple[tuple[int, str], ...]:
    """`{size: url}`, one URL per size, smallest first."""
    images: dict[int, str] = {}
    for size, link in read.mapping(value, "images").items():
        where = f"images.{records.text(str(size), 20)}"
        width = read.optional(records.whole_id, size, where, 0)
        address = read.optional(records.url, link, where, "")
        if width and address:
            images.setdefault(width, address)
    return tuple(sorted(images.items()))[:MAX_ENTRIES]


def _store(read: FieldReader, value: Any) -> StoreRef:
    """`{store_id, name, url}`; store id 0 means "unknown", as in the API."""
    store = read.mapping(value, "store")
    store_id = store.get("store_id")
    return StoreRef(read.optional(records.whole_id, None if store_id in (0, "0") else store_id, "store.store_id", 0),
                    read.optional(records.text, store.get("name"), "store.name", ""),
                    read.optional(records.url, store.get("url"), "store.url", ""))


def parse_product(raw: Any, report: IssueSink | None) -> Product | None:
    """`Product.from_api`, except that a dropped product is reported (and None returned) rather than raised.

    Without `report` every issue raises RecordError, as in `from_api`.
    """
    try:
        return Product.from_api(raw, report)
    except RecordError as exc:
        if report is None:
            raise
        report(exc.issue)
        return None


def parse_products(items: Iterable[Any], report: IssueSink | None) -> tuple[Product, ...]:
    """The usable products among `items`, in order; see `parse_product`."""
    return tuple(p for p in (parse_product(raw, report) for raw in items) if p is not None)


def _first(data: Mapping[str, Any], *names: str) -> Any:
    """The first of several spellings the API uses for one field."""
    for name in names:
        if data.get(name) not in (None, ""):
            return data[name]
    return None


@dataclass(frozen=True)
class Category:
    category_id: int
    name: str
    parent_id: int | None = None

    @classmethod
    def from_api(cls, raw: Any) -> Category:
        data = _mapping(raw, "category")
        parent = _first(data, "parent_id")
        return cls(_int(_first(data, "category_id", "id"), "category.category_id"), _str(data.get("name")).strip(),
                   None if parent in (None, 0, "0") else _int(parent, "category.parent_id"))

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"category_id": self.category_id, "name": self.name}
        if self.parent_id is not None:
            out["parent_id"] = self.parent_id
        return out


@dataclass(frozen=True)
class CategoryNode:
    category: Category
    children: tuple[CategoryNode, ...] = ()

    def walk(self, depth: int = 0) -> Any:
        """Yield (node, depth) pairs, this node first, depth-first."""
        yield self, depth
        for child in self.children:
            yield from child.walk(depth + 1)

    @classmethod
    def from_api(cls, raw: Any, parent_id: int | None = None) -> CategoryNode:
        """A nested `{category_id, name, children: [...]}` node (children may be keyed by id)."""
        data = _mapping(raw, "category_tree node")
        category = Category.from_api(data)
        if category.parent_id is None and parent_id is not None:
            category = Category(category.category_id, category.name, parent_id)
        children = _list_or_empty(data.get("children"))
        items = children.values() if isinstance(children, Mapping) else children
        return cls(category, tuple(cls.from_api(child, category.category_id) for child in items))

    def to_api(self) -> dict[str, Any]:
        return {**self.category.to_api(), "children": [child.to_api() for child in self.children]}


def build_category_tree(categories: Iterable[Category], parents: Mapping[int, int],
                        root: int | None = None) -> list[CategoryNode]:
    """Nest flat categories by `parents` (child id -> parent id).

    With `root`, the answer is the subtree under that category (one node, or
    none if unknown); otherwise every category without a known parent is a
    root (so is a category that names itself as parent). Children are sorted
    by case-folded name then id; a cycle in `parents` is cut.
    """
    by_id = {c.category_id: Category(c.category_id, c.name, parents.get(c.category_id, c.parent_id))
             for c in categories}
    children: dict[int | None, list[Category]] = {}
    for category in by_id.values():
        known = category.parent_id in by_id and category.parent_id != category.category_id
        children.setdefault(category.parent_id if known else None, []).append(category)

    def order(category: Category) -> tuple[str, int]:
        return category.name.casefold(), category.category_id

    def node(category: Category, seen: frozenset[int]) -> CategoryNode:
        kids = sorted(children.get(category.category_id, []), key=order)
        seen = seen | {category.category_id}
        return CategoryNode(category, tuple(node(k, seen) for k in kids if k.category_id not in seen))

    if root is not None:
        return [node(by_id[root], frozenset())] if root in by_id else []
    return [node(c, frozenset()) for c in sorted(children.get(None, []), key=order)]


@dataclass(frozen=True)
class Store:
    store_id: int
    name: str
    url: str = ""
    logo: str = ""

    @classmethod
    def from_api(cls, raw: Any) -> Store:
        data = _mapping(raw, "store")
        return cls(_int(_first(data, "store_id", "id"), "store.store_id"), _str(data.get("name")).strip(),
                   _str(data.get("url")), _str(_first(data, "logo", "logo_url")))

    def to_api(self) -> dict[str, Any]:
        return {"store_id": self.store_id, "name": self.name, "url": self.url, "logo": self.logo}


@dataclass(frozen=True)
class Brand:
    brand_id: int
    name: str

    @classmethod
    def from_api(cls, raw: Any) -> Brand:
        """`attributes/brand` entries: `{attribute_value_id, value}` as in `extra.brands`."""
        data = _mapping(raw, "brand")
        return cls(_int(_first(data, "attribute_value_id", "brand_id", "id"), "brand.attribute_value_id"),
                   _str(_first(data, "value", "name")).strip())

    def to_api(self) -> dict[str, Any]:
        return {"attribute_value_id": self.brand_id, "value": self.name}


def _optional_amount(value: Any) -> float | None:
    """A facet's money value, or None when it is missing or no usable amount (it only shapes a filter)."""
    try:
        return None if missing(value) else records.amount(value)
    except BadValue:
        return None


@dataclass(frozen=True)
class FacetCount:
    """One facet entry: a category, store or brand id with its name and count."""

    id: int
    name: str
    count: int = 0


@dataclass(frozen=True)
class Facets:
    categories: tuple[FacetCount, ...] = ()
    stores: tuple[FacetCount, ...] = ()
    brands: tuple[FacetCount, ...] = ()
    max_price: float | None = None
    has_reduction: bool | None = None

    @classmethod
    def from_api(cls, raw: Any) -> Facets:
        data = _list_or_empty(raw)
        if not isinstance(data, Mapping):
            raise PayloadError("extra: expected an object")

        def entries(name: str, id_key: str, name_key: str) -> tuple[FacetCount, ...]:
            section = _list_or_empty(data.get(name))
            values = section.values() if isinstance(section, Mapping) else section
            out = []
            for entry in values:
                entry = _mapping(entry, f"extra.{name}")
                out.append(FacetCount(_int(entry.get(id_key, entry.get("id")), f"extra.{name}"),
                                      _str(entry.get(name_key, entry.get("name"))).strip(),
                                      _int(entry.get("count", 0) or 0, f"extra.{name}.count")))
            return tuple(out)

        max_price = data.get("max_price")
        has_reduction = data.get("has_reduction")
        return cls(
            categories=entries("categories", "category_id", "name"),
            stores=entries("stores", "id", "name"),
            brands=entries("brands", "attribute_value_id", "value"),
            max_price=_optional_amount(max_price),
            has_reduction=None if has_reduction is None else bool(has_reduction),
        )

    def to_api(self, requested: tuple[str, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "categories" in requested:
            out["categories"] = {str(f.id): {"category_id": f.id, "name": f.name, "count": f.count}
                                 for f in self.categories}
        if "stores" in requested:
            out["stores"] = {str(f.id): {"id": f.id, "name": f.name, "count": f.count} for f in self.stores}
        if "brands" in requested:
            out["brands"] = {str(f.id): {"attribute_value_id": f.id, "value": f.name, "count": f.count}
                             for f in self.brands}
        if "max_price" in requested:
            out["max_price"] = self.max_price or 0
        if "has_reduction" in requested:
            out["has_reduction"] = bool(self.has_reduction)
        return out


@dataclass(frozen=True)
class ProductPage:
    """One answer to a ProductQuery: the products, total_found and facets."""

    products: tuple[Product, ...]
    total_found: int | None = None
    facets: Facets = field(default_factory=Facets)

    @classmethod
    def from_api(cls, raw: Any, report: IssueSink | None = None) -> ProductPage:
        """The response envelope (PayloadError when it is no `products` answer) and its usable products."""
        data = _mapping(raw, "response")
        items = data.get("data")
        if items is None:
            items = []
        if not isinstance(items, list):
            raise PayloadError(f"data: expected a list of products, got {type(items).__name__}")
        total = data.get("total_found")
        return cls(
            products=parse_products(items, report),
            total_found=None if total in (None, "") else _int(total, "total_found"),
            facets=Facets.from_api(data.get("extra")),
        )

    def to_api(self, requested_extra: tuple[str, ...] = ()) -> dict[str, Any]:
        out: dict[str, Any] = {"status": True, "data": [p.to_api() for p in self.products]}
        if self.total_found is not None:
            out["total_found"] = self.total_found
        if requested_extra:
            out["extra"] = self.facets.to_api(requested_extra)
        return out


@dataclass(frozen=True)
class PricePoint:
    date: str
    price: float

    @classmethod
    def from_api(cls, raw: Any) -> PricePoint:
        data = _mapping(raw, "price_history entry")
        return cls(_str(_first(data, "date", "time", "created")), _float(data.get("price"), "price_history.price"))

    def to_api(self) -> dict[str, Any]:
        return {"date": self.date, "price": self.price}

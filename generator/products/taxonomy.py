"""Category, store and brand pages: one paginated listing each, from the source's lists.

Category pages follow the category tree from the configured roots down to
the configured depth; a category page lists its sub-categories and the
products of the category (sub-categories included, as the API does).
Store and brand pages are opt-in. Pages whose listing comes back empty are
dropped by the stage, so a tree of thousands of categories only yields
pages that show something.

`site.data["categories"]` keeps the whole tree index for breadcrumbs.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.config.schema import TaxonomyConfig
from generator.content.page import Page
from generator.content.site import Site
from generator.sources.base import ProductSource
from generator.sources.models import CategoryNode
from generator.sources.query import ProductQuery
from generator.products.query_plan import Listing
from generator.products.views import slugify


@dataclass(frozen=True)
class CategoryEntry:
    category_id: int
    name: str
    parent_id: int | None
    url: str

    @property
    def title(self) -> str:
        return self.name.strip()


def category_url(category_id: int, name: str) -> str:
    return f"/c/{category_id}-{slugify(name, 'category')}/"


def store_url(store_id: int, name: str) -> str:
    return f"/s/{store_id}-{slugify(name, 'store')}/"


def brand_url(name: str, brand_id: int | None = None) -> str:
    """`/b/<slug>/`, or `/b/<slug>-<brand_id>/` for a brand whose slug another brand's name took first."""
    slug = slugify(name.strip(), "brand")
    return f"/b/{slug}/" if brand_id is None else f"/b/{slug}-{brand_id}/"


def brand_urls(site: Site) -> dict[str, str]:
    """Brand name (stripped) -> its page's URL, for the brands that have a page."""
    return site.data.get("brand_urls") or {}


def top_categories(site: Site) -> list[CategoryEntry]:
    """The categories with a page whose parent has none (the roots, unless [categories] roots starts lower
    in the tree), in catalog order: the header's category menu."""
    index = site.data.get("categories") or {}
    return [c for c in index.values() if c.url in site.by_url
            and (c.parent_id is None or c.parent_id not in index or index[c.parent_id].url not in site.by_url)]


def _listing(settings: TaxonomyConfig, **params: object) -> Listing:
    query = ProductQuery(limit=settings.per_page * settings.max_pages, get_total_found=True, **params)  # type: ignore[arg-type]
    return Listing(query, settings.per_page, settings.max_pages)


def ancestors(index: dict[int, CategoryEntry], category_id: int) -> list[CategoryEntry]:
    """Root-first chain of categories ending with `category_id` (guarding against cycles)."""
    chain: list[CategoryEntry] = []
    seen: set[int] = set()
    current = index.get(category_id)
    while current is not None and current.category_id not in seen:
        seen.add(current.category_id)
        chain.append(current)
        current = index.get(current.parent_id) if current.parent_id is not None else None
    return list(reversed(chain))


async def _category_pages(site: Site, source: ProductSource) -> list[tuple[Page, Listing]]:
    settings = site.config.categories
    tree = await source.category_tree()
    index: dict[int, CategoryEntry] = {}
    children: dict[int, list[int]] = {}

    def visit(node: CategoryNode, parent: int | None) -> None:
        cat = node.category
        index[cat.category_id] = CategoryEntry(cat.category_id, cat.name, parent,
                                               category_url(cat.category_id, cat.name))
        for child in node.children:
            children.setdefault(cat.category_id, []).append(child.category.category_id)
            visit(child, cat.category_id)

    for root in tree:
        visit(root, None)
    site.data["categories"] = index
    if not settings.enabled:
        return []
    roots: list[CategoryNode] = tree
    if settings.roots:
        wanted = set(settings.roots)
        roots = [node for root in tree for node, _ in root.walk() if node.category.category_id in wanted]
    out: list[tuple[Page, Listing]] = []
    seen: set[int] = set()
    for root in roots:
        for node, depth in root.walk():
            cat = node.category
            if depth > settings.depth or cat.category_id in seen:
                continue
            seen.add(cat.category_id)
            entry = index[cat.category_id]
            page = Page(url=entry.url, kind="category", title=entry.title, data={
                "category": entry,
                "breadcrumbs": ancestors(index, cat.category_id)[:-1],
                "subcategories": [index[c] for c in children.get(cat.category_id, [])],
            })
            out.append((page, _listing(settings, category_id=str(cat.category_id))))
    return out


async def _store_pages(site: Site, source: ProductSource) -> list[tuple[Page, Listing]]:
    settings = site.config.stores
    if not settings.enabled:
        return []
    return [(Page(url=store_url(store.store_id, store.name), kind="store", title=store.name,
                  data={"store": store}), _listing(settings, store_id=str(store.store_id)))
            for store in sorted(await source.stores(), key=lambda s: s.store_id)]


async def _brand_pages(site: Site, source: ProductSource) -> list[tuple[Page, Listing]]:
    settings = site.config.brands
    if not settings.enabled:
        return []
    pages: dict[str, tuple[Page, Listing]] = {}
    urls: dict[str, str] = {}
    for brand in sorted(await source.brands(), key=lambda b: b.brand_id):
        name = brand.name.strip()
        if not name or name in urls:
            continue
        url = brand_url(name)
        if url in pages:  # "H&M" and "H M" both slugify to h-m: the later brand gets its id in the URL
            url = brand_url(name, brand.brand_id)
        urls[name] = url
        pages[url] = (Page(url=url, kind="brand", title=name, data={"brand": brand}), _listing(settings, brand=name))
    site.data["brand_urls"] = urls
    return list(pages.values())


async def taxonomy_pages(site: Site, source: ProductSource) -> list[tuple[Page, Listing]]:
    return (await _category_pages(site, source) + await _store_pages(site, source)
            + await _brand_pages(site, source))

"""Publish the sales file on the static site, for Shoptimiza to pull.

Owns the refusal: a static host cannot check the `X-Shoptimiza-Auth`
header, so the file becomes readable by anyone who knows the URL. Without
`public=True` nothing is copied. Must not upload or build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from generator.core.errors import Abort
from generator.core.atomic import atomic_writer
from generator.affiliate.salesfile.errors import SalesFileError

STATIC_HOST_WARNING = ("a static host cannot check the X-Shoptimiza-Auth header: anyone who knows the URL "
                       "can download your order data")


def publish_sales_file(sales_file: Path, static_dir: Path, *, name: str = "sales-file.jsonl",
                       public: bool = False) -> Path:
    """Copy `sales_file` to `static_dir/name` (atomically) when `public`; else raise Abort."""
    if not public:
        raise Abort(f"refusing to publish {sales_file}: {STATIC_HOST_WARNING}; pass --public to publish it "
                    "anyway, or serve it from your own server with verify_shoptimiza_auth()")
    if not sales_file.is_file():
        raise SalesFileError("no such sales file; run `sales-file build` first", file=sales_file)
    target = static_dir / name
    if target.resolve().parent != static_dir.resolve():
        raise SalesFileError(f"file name {name!r} must not leave the static directory", file=static_dir)
    with sales_file.open(encoding="utf-8") as source, atomic_writer(target) as copy:
        shutil.copyfileobj(source, copy)
    return target

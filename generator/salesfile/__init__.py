"""Shoptimiza sales file: build it from orders, upload or publish it, and
compute co-purchase recommendations locally.

Modules, one job each: `orders` (read and validate input), `grouping`
(bounded-memory external sort), `build` (the file format and window),
`auth` (X-Shoptimiza-Auth), `upload`, `publish`, `recommend` (numpy counting in `copurchase`), `report`,
`errors` (files are replaced through `generator.atomic`). This module only re-exports the public surface.
"""

from generator.salesfile.auth import AuthCheck, shoptimiza_auth_header, verify_shoptimiza_auth
from generator.salesfile.build import build_sales_file, sales_file_line
from generator.salesfile.errors import SalesFileError, UploadError
from generator.salesfile.orders import CsvColumns
from generator.salesfile.publish import publish_sales_file
from generator.salesfile.recommend import (
    Recommendation,
    RecommendOptions,
    compute_recommendations,
    load_recommendations,
    write_recommendations,
)
from generator.salesfile.report import SalesFileReport
from generator.salesfile.upload import UploadTarget, describe_upload, upload_sales_file

__all__ = [
    "AuthCheck", "CsvColumns", "Recommendation", "RecommendOptions", "SalesFileError", "SalesFileReport",
    "UploadError", "UploadTarget", "build_sales_file", "compute_recommendations", "describe_upload",
    "load_recommendations", "publish_sales_file", "sales_file_line", "shoptimiza_auth_header",
    "upload_sales_file", "verify_shoptimiza_auth", "write_recommendations",
]

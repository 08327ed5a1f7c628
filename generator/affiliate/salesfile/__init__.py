"""Shoptimiza sales file: build it from orders, upload or publish it, and
compute co-purchase recommendations locally.

Modules, one job each: `orders` (read and validate input), `grouping`
(bounded-memory external sort), `build` (the file format and window),
`auth` (X-Shoptimiza-Auth), `upload`, `publish`, `recommend` (numpy counting in `copurchase`), `report`,
`errors` (files are replaced through `generator.core.atomic`). This module only re-exports the public surface.
"""

from generator.affiliate.salesfile.auth import AuthCheck, shoptimiza_auth_header, verify_shoptimiza_auth
from generator.affiliate.salesfile.build import build_sales_file, sales_file_line
from generator.affiliate.salesfile.errors import SalesFileError, UploadError
from generator.affiliate.salesfile.orders import CsvColumns
from generator.affiliate.salesfile.publish import publish_sales_file
from generator.affiliate.salesfile.recommend import (
    Recommendation,
    RecommendOptions,
    compute_recommendations,
    load_recommendations,
    write_recommendations,
)
from generator.affiliate.salesfile.report import SalesFileReport
from generator.affiliate.salesfile.upload import UploadTarget, describe_upload, upload_sales_file

__all__ = [
    "AuthCheck", "CsvColumns", "Recommendation", "RecommendOptions", "SalesFileError", "SalesFileReport",
    "UploadError", "UploadTarget", "build_sales_file", "compute_recommendations", "describe_upload",
    "load_recommendations", "publish_sales_file", "sales_file_line", "shoptimiza_auth_header",
    "upload_sales_file", "verify_shoptimiza_auth", "write_recommendations",
]

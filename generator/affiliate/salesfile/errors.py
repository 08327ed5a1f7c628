"""Errors of the sales-file feature, on top of `generator.core.errors`.

    ContentError
    └── SalesFileError     an order or sales file is malformed (file:line)
    DeployError
    └── UploadError        the upload to Shoptimiza failed (status, what to do)

Messages never contain the Shoptimiza secret; the API key in URLs is
redacted by the upload module before an UploadError is raised.
"""

from __future__ import annotations

from generator.core.errors import ContentError, DeployError


class SalesFileError(ContentError):
    """An order file or sales file line is malformed; names file:line and the fix."""


class UploadError(DeployError):
    """Uploading the sales file failed; names the (redacted) endpoint and the fix."""

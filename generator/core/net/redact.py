"""The one secret redactor: every message, URL and repr that may hold a secret passes through it.

Must not log or keep anything but the secrets it was given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

MASK = "***"
_URL_CREDENTIALS = re.compile(r"(://)[^/@\s]+@")


def mask_url_credentials(text: str) -> str:
    """`https://user:token@host/` -> `https://***@host/`: credentials written into a URL, known or not."""
    return _URL_CREDENTIALS.sub(rf"\1{MASK}@", text)


class Redactor:
    """Replaces every known secret in a text with `***`, or with the placeholder given for it,
    and masks credentials written into URLs (`mask_url_credentials`).

    `shown_as` names a placeholder for a secret that should stay
    recognisable in a message, e.g. `{api_key: "<api-key>"}` in a URL.
    """

    def __init__(self, secrets: Iterable[str | None] = (), *, shown_as: Mapping[str, str] | None = None) -> None:
        masks = {secret: MASK for secret in secrets if secret}
        masks.update({secret: label for secret, label in (shown_as or {}).items() if secret})
        # Longest first, so a secret containing another is removed whole.
        self._masks = sorted(masks.items(), key=lambda item: len(item[0]), reverse=True)

    def __call__(self, text: str) -> str:
        for secret, mask in self._masks:
            text = text.replace(secret, mask)
        return mask_url_credentials(text)

    def __repr__(self) -> str:
        return f"Redactor({len(self._masks)} secrets)"

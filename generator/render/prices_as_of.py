"""The "Prices as of" note: when the prices a page shows were fetched, in the site's language (`[prices] as_of`).

    prices_as_of(config, moment)   "Priser uppdaterade 6 dec. 14:05" for a build at `moment`, "" when off

The moment is the build's (`SOURCE_DATE_EPOCH` when set, else the clock:
`sources/history_source.build_time`), the round in which it fetched every
product; an answer the response cache served is at most `[source] cache_ttl`
older, as docs/content/products.md says. The wording (`as_of_text`, with
`{date}`), the date's CLDR pattern (`as_of_format`) and the time zone
(`timezone`) are config keys. Because the note changes with every build, the
build keys on it (`commands/build.py`): each build re-renders what shows it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from generator.config.i18n import site_translations
from generator.config.schema import Config


def prices_as_of(config: Config, moment: int) -> str:
    prices = config.prices
    if not prices.as_of:
        return ""
    zone = dt.timezone.utc if prices.timezone == "UTC" else ZoneInfo(prices.timezone)
    when = dt.datetime.fromtimestamp(moment, zone)
    date = format_datetime(when, prices.as_of_format, locale=config.effective_locale)
    if prices.as_of_text:
        return prices.as_of_text.replace("{date}", date)
    return site_translations(config).gettext("Prices updated %(date)s") % {"date": date}

"""Revenue reporting: the Shopello partner API (v3), the Shopper sale report
API, the local SQLite ledger they fill, channels that mirror the site, and
the reports and dashboard drawn from the ledger.

    periods.py     date ranges: explicit, named (lastmonth, ...), dd-mm-yyyy
    models.py      tolerant parsers for the partner API's rows and Shopper sales
    settings.py    Config -> client settings (reads secrets from the environment)
    partner.py     PartnerClient: Shopello API v3 over HTTP Basic auth
    shopper.py     ShopperClient: the paginated Shopper sale report
    ledger.py      Ledger: idempotent upserts of traffic rows and sales
    sync.py        one sync: both APIs into the ledger, all or nothing per source
    channels.py    one Shopello channel per section and widget; the state file
    summary.py     totals grouped by channel, store or day, as rows and a text table
    dashboard.py   the self-contained HTML dashboard with inline SVG charts

Nothing here prints; the CLI lives in generator/commands/{revenue,channels}.py.
"""

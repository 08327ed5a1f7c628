"""shelfpress.toml into typed settings (`schema`), and the channel map the build reads beside it.

Knows the core only: no content, rendering or product code.
"""

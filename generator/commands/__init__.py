"""One module per command group; `generator/cli.py` registers the groups and
holds no logic. Each module parses options and delegates to the library."""

"""One module per command group; each callback only parses options and calls plain functions."""

"""Test helpers: the loopback Shopello server and the in-memory backend it serves."""

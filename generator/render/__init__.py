"""Turning the site graph into HTML: the Jinja environment and its fast runtime, filters, cards, JSON-LD.

Writes nothing to disk: the engine decides what to render and where it goes.
"""

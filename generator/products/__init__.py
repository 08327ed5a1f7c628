"""The product stage of a build: plan every product query of the site, fetch
them once, and add listing, product, category, store and brand pages to the
site graph (see `stage.py`)."""

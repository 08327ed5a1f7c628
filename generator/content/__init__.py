"""A site's own files into the site graph: pages (front matter, Markdown, shortcodes), sections, URLs.

Reads content/ and the theme chain's file list; renders nothing and knows no products.
"""

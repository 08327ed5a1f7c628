"""The incremental machinery: what the last build made, fingerprints, which pages to render, the output writer.

Decides what to render and swaps the finished site in; the stages below it do the rendering.
"""

"""shelfpress: a static site generator for affiliate publishers.

The public surface is small on purpose: the command line (`generator.cli`)
is the main entry point; library users get the error types and the
product query/result types re-exported here.
"""

__version__ = "0.1.0"

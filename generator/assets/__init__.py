"""Package data that ships in the wheel: themes, the starter site and its optional workflow parts, UI string catalogs, demo data.

Owns where those files are; holds no code that reads them. Every module finds them through these
names, so moving a folder is one edit here.
"""

from pathlib import Path

ASSETS = Path(__file__).parent
THEMES = ASSETS / "themes"
STARTER = ASSETS / "starter"
WORKFLOWS = ASSETS / "workflows"  # workflow parts `new` puts into the starter's on request
LOCALE = ASSETS / "locale"
DATA = ASSETS / "data"

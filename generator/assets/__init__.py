"""Package data that ships in the wheel: themes, the starter site, UI string catalogs, demo data.

Owns where those files are; holds no code that reads them. Every module finds them through these
names, so moving a folder is one edit here.
"""

from pathlib import Path

ASSETS = Path(__file__).parent
THEMES = ASSETS / "themes"
STARTER = ASSETS / "starter"
LOCALE = ASSETS / "locale"
DATA = ASSETS / "data"

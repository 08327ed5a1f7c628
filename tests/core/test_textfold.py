"""generator/core/textfold.py, and the widget script's `fold` agreeing with it (run by node, else Chromium)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import generator
from generator.core.textfold import fold, slugify, tokens, words

WIDGET_JS = Path(generator.__file__).parent / "assets" / "themes" / "default" / "static" / "js" / "widget.js"

TABLE = [
    "Taklampa Ström-Öl, 3 st", "Blåbär ÄPPELMOS åäö ÅÄÖ", "Smørrebrød ÆØÅ æble", "Bjørn på Ærø, Ålborg",
    "Straße ẞ", "ﬁlm ﬂaske ĳs Œuvre œ", "Ǆemal ½ m² №5 ℃", "Café Crème brûlée naïve", "İstanbul ıi",
    "Ð Þ ð þ", "👍🏽 lampa 🇸🇪 💡💡 👨‍👩‍👧 familj", "1️⃣ #️⃣ nr 12", "", "a b c", "Ｆｕｌｌｗｉｄｔｈ ｌａｍｐａ",
    "Dörr-handtag/100mm", "e\u0301 combining-acute",
]


def test_fold_and_its_uses() -> None:
    assert fold("Ström ﬁl Bébé") == "strom fil bebe"
    assert tokens("Taklampa Ström-Öl, 3 st") == ["taklampa", "strom", "ol", "st"]
    assert words("Dörr smørrebrød, ﬁl_2") == ["dorr", "smørrebrød", "fil", "2"]
    assert slugify("Lampa Ö 12") == "lampa-o-12" and slugify("Smørrebrød") == "smrrebrd"
    assert slugify("💡", "product") == "product" and len(slugify("a" * 90)) == 60


def _js_fold() -> str:
    source = WIDGET_JS.read_text(encoding="utf-8")
    match = re.search(r"^( *)function fold\(s\) \{.*?^\1\}", source, re.MULTILINE | re.DOTALL)
    assert match, "widget.js has no fold(s) function"
    return match.group(0)


def _run_in_node(script: str) -> list[list[str]]:
    out = subprocess.run(["node", "-e", f"{script}\nprocess.stdout.write(JSON.stringify(run()))"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return json.loads(out)


def _run_in_chromium(script: str) -> list[list[str]]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            return browser.new_page().evaluate(f"() => {{ {script}\nreturn run(); }}")
        finally:
            browser.close()


def test_widget_script_folds_like_python() -> None:
    script = f"{_js_fold()}\nfunction run() {{ return {json.dumps(TABLE)}.map(fold); }}"
    if shutil.which("node"):
        folded = _run_in_node(script)
    elif Path("/usr/bin/chromium").exists():
        folded = _run_in_chromium(script)
    else:
        pytest.skip("neither node nor /usr/bin/chromium is installed")
    assert dict(zip(TABLE, folded)) == {text: tokens(text) for text in TABLE}

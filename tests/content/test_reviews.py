"""The publisher's review: front matter and shortcode, checked before the build, rendered as an accessible box with
a schema.org Review (and an AggregateRating only when the publisher supplies one)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.support.sites import SMALL_CONFIG, fails, run, write_site

FRONT = """\
---
title: Tripp Trapp review
review:
  rating: 4.5
  pros: [Grows with the child, "Solid <oak>"]
  cons: [Pricey]
  verdict: The chair to buy once.
---
Our test.
"""


def build(site: Path) -> None:
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output


def reviews_ld(html: str) -> list[dict[str, Any]]:
    found = [json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
    return [ld for ld in found if ld.get("@type") == "Review"]


def test_front_matter_review_renders_a_box_and_review_json_ld(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"content/tripp-trapp.md": FRONT}, config=SMALL_CONFIG)
    build(site)
    html = (site / "public/tripp-trapp/index.html").read_text()
    assert html.count('class="review-box"') == 1
    assert "<strong>4.5 of 5</strong>" in html and "<li>Solid &lt;oak&gt;</li>" in html
    assert "<h3>Pros</h3>" in html and "<h3>Cons</h3>" in html and "The chair to buy once." in html
    (ld,) = reviews_ld(html)
    assert ld["reviewRating"] == {"@type": "Rating", "ratingValue": 4.5, "bestRating": 5, "worstRating": 1}
    assert ld["author"] == {"@type": "Organization", "name": "Test site"}
    assert ld["itemReviewed"] == {"@type": "Product", "name": "Tripp Trapp review"}  # no rating made up
    assert [n["name"] for n in ld["positiveNotes"]["itemListElement"]] == ["Grows with the child", "Solid <oak>"]
    assert ld["negativeNotes"]["itemListElement"] == [{"@type": "ListItem", "position": 1, "name": "Pricey"}]
    assert ld["reviewBody"] == "The chair to buy once."
    assert "<oak>" not in html.split('type="application/ld+json">')[1].split("</script>")[0]  # escaped in JSON


def test_shortcode_review_and_the_front_matter_one_placed_by_a_shortcode(tmp_path: Path) -> None:
    page = FRONT.replace("Our test.", 'Intro.\n\n{{< review />}}\n\nMore.\n\n'
                         '{{< review rating=3 best=10 item="Other chair" pros="Cheap|Light" verdict="Fine." />}}\n')
    site = write_site(tmp_path / "s", {"content/tripp-trapp.md": page}, config=SMALL_CONFIG)
    build(site)
    html = (site / "public/tripp-trapp/index.html").read_text()
    assert html.count('class="review-box"') == 2 and html.index("Intro.") < html.index("review-box") < \
        html.index("More.")
    first, second = reviews_ld(html)
    assert first["reviewRating"]["ratingValue"] == 4.5
    assert second["reviewRating"] == {"@type": "Rating", "ratingValue": 3, "bestRating": 10, "worstRating": 1}
    assert second["itemReviewed"]["name"] == "Other chair" and "negativeNotes" not in second
    assert "<strong>3 of 10</strong>" in html


def test_aggregate_rating_only_when_the_publisher_supplies_one(tmp_path: Path) -> None:
    page = FRONT.replace("  verdict:", "  aggregate_rating: {value: 4.2, count: 118}\n  verdict:")
    site = write_site(tmp_path / "s", {"content/tripp-trapp.md": page}, config=SMALL_CONFIG)
    build(site)
    (ld,) = reviews_ld((site / "public/tripp-trapp/index.html").read_text())
    assert ld["itemReviewed"]["aggregateRating"] == {"@type": "AggregateRating", "ratingValue": 4.2,
                                                     "reviewCount": 118, "bestRating": 5, "worstRating": 1}


def test_review_in_the_site_language(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"content/stol.md": FRONT},
                      config=SMALL_CONFIG.replace('language = "en"', 'language = "sv"'))
    build(site)
    html = (site / "public/stol/index.html").read_text()
    assert "<strong>4,5 av 5</strong>" in html and "Fördelar" in html and "Vårt omdöme" in html


def test_bad_reviews_are_one_line_errors_naming_file_line_and_key(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"content/a.md": FRONT.replace("  pros:", "  prso:")}, config=SMALL_CONFIG)
    fails(site, "content/a.md:5", "review.prso", "did you mean 'pros'")
    fails(site, "content/a.md:5", "review.prso", command="check")
    (site / "content/a.md").write_text(FRONT.replace("rating: 4.5", "rating: 7"))
    fails(site, "content/a.md:4", "review.rating", "from 1.0 to 5.0")
    (site / "content/a.md").write_text(FRONT.replace("pros: [Grows with the child, \"Solid <oak>\"]", "pros: Good"))
    fails(site, "content/a.md:5", "review.pros", "list of texts")
    (site / "content/a.md").write_text("---\ntitle: A\n---\n\n{{< review rating=\"great\" />}}\n")
    fails(site, "content/a.md:5", "rating", "expected a number")
    (site / "content/a.md").write_text("---\ntitle: A\n---\n\n{{< review />}}\n")
    fails(site, "content/a.md:5", "no `review:` in the front matter")
    (site / "content/a.md").write_text("---\ntitle: A\n---\n\n{{< review ratng=4 />}}\n")
    fails(site, "content/a.md:5", "did you mean 'rating'")


def test_a_page_without_a_review_is_unchanged(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"content/a.md": "---\ntitle: A\n---\nText.\n"}, config=SMALL_CONFIG)
    build(site)
    html = (site / "public/a/index.html").read_text()
    assert "review" not in html


def test_starter_shows_offers_a_comparison_and_a_review(tmp_path: Path) -> None:
    assert run("new", str(tmp_path / "s")).exit_code == 0
    build(tmp_path / "s")
    html = (tmp_path / "s/public/guide/index.html").read_text()
    assert html.count('class="review-box"') == 1 and len(reviews_ld(html)) == 1
    assert html.count('<table class="compare-table">') == 1 and html.count('<table class="offers-table">') == 1
    assert html.count('rel="sponsored nofollow noopener"') == 4  # three compared products, one offer
    config = (tmp_path / "s/shelfpress.toml").read_text()
    assert "grouped_cards = true" in config

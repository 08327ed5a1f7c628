"""generator/render/environment.py: a template failure becomes one ContentError line naming the template file and line.

Each case renders a page template of a scratch site through `render_template`, the one place every page,
widget and product card is rendered, and checks the message as the CLI would print it: `file:line: ...`,
one line, no traceback.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.config.schema import Config, load_config
from generator.core.errors import ContentError
from generator.render.environment import UrlBuilder, make_environment, render_template
from tests.support.sites import write_site

OWNER = "content/index.md"


def render_error(tmp_path: Path, templates: dict[str, str], *, strict: bool = False,
                 filters: dict[str, object] | None = None) -> ContentError:
    """The ContentError of rendering templates/page.html of a site with `templates`."""
    config = load_config(write_site(tmp_path, {f"templates/{name}": body for name, body in templates.items()}))
    env = make_environment(config, strict=strict)
    env.filters.update(filters or {})
    with pytest.raises(ContentError) as caught:
        render_template(env, config, "page.html", {"config": config, "items": [1, 2]}, OWNER)
    return caught.value


def assert_one_line_at(error: ContentError, file: str, line: int) -> str:
    message = error.format_message()
    assert message.startswith(f"{file}:{line}: "), message
    assert (error.file, error.line) == (file, line)
    assert "\n" not in message and "Traceback" not in message
    assert error.__cause__ is None and error.__suppress_context__  # raised `from None`: no chained traceback
    return message


def test_syntax_error_names_template_and_line(tmp_path: Path) -> None:
    error = render_error(tmp_path, {"page.html": "<h1>title</h1>\n<p>\n{% if items %}\n{{ items }\n"})
    message = assert_one_line_at(error, "templates/page.html", 4)
    assert "template syntax error" in message


def test_syntax_error_in_an_included_template_names_that_template(tmp_path: Path) -> None:
    error = render_error(tmp_path, {"page.html": "{% include 'part.html' %}\n",
                                    "part.html": "ok\n{% for x in items %}\n{{ x }}\n"})
    message = assert_one_line_at(error, "templates/part.html", 3)
    assert "endfor" in message  # Jinja says which tag is missing: what to add


def test_undefined_variable_names_template_and_line(tmp_path: Path) -> None:
    error = render_error(tmp_path, {"page.html": "<p>\n{{ items|length }}\n{{ product.name }}\n"})
    message = assert_one_line_at(error, "templates/page.html", 3)
    assert f"error rendering {OWNER}" in message and "'product' is undefined" in message


def test_misspelt_attribute_under_strict_names_template_line_and_the_fix(tmp_path: Path) -> None:
    error = render_error(tmp_path, {"page.html": "\n\n{{ config.titel }}\n"}, strict=True)
    message = assert_one_line_at(error, "templates/page.html", 3)
    assert "has no attribute 'titel'; did you mean 'title'?" in message


def test_missing_include_names_the_including_template_and_line(tmp_path: Path) -> None:
    error = render_error(tmp_path, {"page.html": "<main>\n{% include 'partials/missing.html' %}\n</main>\n"})
    message = assert_one_line_at(error, "templates/page.html", 2)
    assert "'partials/missing.html' not found" in message and "create it or fix the name" in message


def test_missing_base_template_names_the_extending_template_and_line(tmp_path: Path) -> None:
    error = render_error(tmp_path, {"page.html": "{# a page #}\n{% extends 'layouts/gone.html' %}\n"})
    message = assert_one_line_at(error, "templates/page.html", 2)
    assert "'layouts/gone.html' not found" in message


def test_missing_page_template_names_the_page_that_wants_it(tmp_path: Path) -> None:
    config = load_config(write_site(tmp_path, {}))
    with pytest.raises(ContentError) as caught:
        render_template(make_environment(config), config, "no-such-layout.html", {}, OWNER)
    message = caught.value.format_message()
    assert message.startswith(f"{OWNER}: template 'no-such-layout.html' not found"), message
    assert "\n" not in message and caught.value.__cause__ is None


def test_exception_inside_a_filter_names_template_and_line(tmp_path: Path) -> None:
    def explode(value: object) -> str:
        raise ValueError(f"cannot format {value!r}")

    error = render_error(tmp_path, {"page.html": "<ul>\n{% for x in items %}\n<li>{{ x|explode }}</li>\n"
                                                "{% endfor %}\n</ul>\n"}, filters={"explode": explode})
    message = assert_one_line_at(error, "templates/page.html", 3)
    assert message.endswith(f"error rendering {OWNER}: cannot format 1")


def test_builtin_filter_misuse_names_template_and_line(tmp_path: Path) -> None:
    error = render_error(tmp_path, {"page.html": "a\n{{ 'x'|price }}\n"})
    assert_one_line_at(error, "templates/page.html", 2)


def test_an_exception_without_text_is_named_by_its_type(tmp_path: Path) -> None:
    def silent(value: object) -> str:
        raise KeyError

    error = render_error(tmp_path, {"page.html": "{{ 1|silent }}\n"}, filters={"silent": silent})
    assert assert_one_line_at(error, "templates/page.html", 1).endswith("KeyError")


def test_a_template_outside_the_site_is_named_by_its_own_path(tmp_path: Path) -> None:
    """The built-in theme's templates are not inside the site: their path is shown as it is."""
    config: Config = load_config(write_site(tmp_path / "site", {}))
    env = make_environment(config)
    env.loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(tmp_path / "elsewhere")), env.loader])
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "page.html").write_text("{{ nothing.here }}\n")
    with pytest.raises(ContentError) as caught:
        render_template(env, config, "page.html", {}, OWNER)
    assert caught.value.file == str(tmp_path / "elsewhere" / "page.html") and caught.value.line == 1


def test_a_content_error_from_inside_a_template_passes_through_as_it_is(tmp_path: Path) -> None:
    """A nested render (a product card, a shortcode) already located its error: it is not wrapped again."""
    inner = ContentError("bad shortcode", file="content/a.md", line=7)

    def nested(value: object) -> str:
        raise inner

    assert render_error(tmp_path, {"page.html": "{{ 1|nested }}\n"}, filters={"nested": nested}) is inner


@settings(max_examples=300, deadline=None)
@given(path=st.text(alphabet="/:#.aé?&", max_size=10) | st.sampled_from(["mailto:a@b", "//cdn/x", "", "/"]),
       base_url=st.sampled_from(["https://example.org/", "https://user.github.io/repo/", "http://h:8080/a/b/"]))
def test_an_absolute_link_is_the_origin_before_the_sites_link(path: str, base_url: str) -> None:
    """`absolute` takes a short way for a page's own path (every sitemap entry): it must give what the
    site's link (`url`) and the origin give for any path."""
    config = SimpleNamespace(base_url=base_url, base_path="/" + base_url.split("/", 3)[3])
    urls = UrlBuilder(config)  # type: ignore[arg-type]
    link = urls.url(path)
    assert urls.absolute(path) == (link if "://" in link or not link else urls.origin + link)

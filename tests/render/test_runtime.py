"""The cheaper Jinja runtime renders exactly what Jinja's own does (template_runtime.py)."""

from __future__ import annotations

import jinja2
import pytest
from markupsafe import Markup
from markupsafe import escape as markupsafe_escape

from generator.render.runtime import ShelfpressEnvironment, escape


@jinja2.pass_eval_context
def with_eval_context(eval_ctx, value, **named):
    return f"eval:{eval_ctx.autoescape}:{value}:{sorted(named.items())}"


@jinja2.pass_environment
def with_environment(env, value):
    return f"env:{env.autoescape}:{value}"


@jinja2.pass_context
def with_context(context, value):
    return f"context:{context.get('who')}:{value}"


class Callable:
    def __call__(self, value):
        return f"object:{value}"

    def method(self, value):
        return f"method:<{value}>"

    @jinja2.pass_context
    def context_method(self, context, value):
        return f"context-method:{context.get('who')}:{value}"


def stops():
    raise StopIteration


TEMPLATES = {
    "macros.html": "{% macro hello() %}{{ greeting }}, {{ who }}{% endmacro %}",
    "include.html": "[{{ who }}|{{ local }}|{{ with_context(local) }}]",
    "page.html": (
        "{% import 'macros.html' as m with context %}{{ m.hello() }}\n"
        "{{ with_eval_context('a', b='<b>') }} {{ with_environment(1) }} {{ with_context(2) }}\n"
        "{{ obj(3) }} {{ obj.method('<m>') }} {{ obj.context_method(4) }} {{ [1, 2].index(2) }}\n"
        "{% for i in [1, 2] %}{{ with_context(i) }}{% set who = 'loop' %}{{ with_context(i) }}{% endfor %}\n"
        "{% set local = 'set' %}{% include 'include.html' %} ({{ stops() }})\n"
        "{{ text }} {{ safe }} {{ number }} {{ nothing }} {{ data | tojson }} {{ data | tojson(2) }}"
    ),
}


def render(environment_class: type[jinja2.Environment]) -> str:
    env = environment_class(loader=jinja2.DictLoader(TEMPLATES), autoescape=True)
    env.globals["greeting"] = "Hej"
    return env.get_template("page.html").render(
        who="<world>", with_eval_context=with_eval_context, with_environment=with_environment,
        with_context=with_context, obj=Callable(), stops=stops, text="<i>&'\"", safe=Markup("<em>ok</em>"),
        number=1.5, nothing=None, data={"b": "</script>", "a": ["å", 1]})


def test_renders_what_jinja_renders():
    ours = render(ShelfpressEnvironment)
    assert ours == render(jinja2.Environment)
    assert "eval:True:a:[('b', '<b>')]" in ours.replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">")
    assert "context-method:&lt;world&gt;:4" in ours and "context:loop:2" in ours
    assert '"\\u003c/script\\u003e"' in ours  # tojson stays HTML-safe, keys sorted


@pytest.mark.parametrize("value", ["plain", "<a href='x'>&\"", Markup("<b>safe</b>"), 3, 2.5, None, ""])
def test_escape_is_markupsafes(value):
    assert escape(value) == markupsafe_escape(value)
    assert type(escape(value)) is Markup


def test_a_global_set_before_loading_reaches_every_template():
    env = ShelfpressEnvironment(loader=jinja2.DictLoader({"a.html": "{{ g }}", "b.html": "{% include 'a.html' %}"}))
    env.globals["g"] = "global"
    assert env.get_template("b.html").render() == "global"
    assert env.get_template("a.html", globals={"g": "own"}).render() == "own"
    assert env.globals["g"] == "global"  # a template's own globals never leak into the environment's

"""Embeddable product widgets: definitions (`spec.py`), the JSON each widget
loads (`payload.py`) and the build stage that fetches their products and
writes `/widgets/<name>/`, `/widgets/<name>.js`, `/widgets/<name>.json` and
the gallery `/widgets/` (`stage.py`). The browser side lives in the theme:
`static/js/widget.js`, `widget-frame.js`, `widget-host.js`, `gallery.js`."""

from generator.products.widgets.spec import WidgetSpec, widget_specs
from generator.products.widgets.stage import WidgetStage

__all__ = ["WidgetSpec", "WidgetStage", "widget_specs"]

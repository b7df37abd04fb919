"""The views: everything that imports panel, holoviews or bokeh. The engine never imports it."""

"""Renderers: exports in the field's formats, reports and charts."""

"""The organogram as SVG: level bands, one box per body, reporting lines with arrows up to the parent body.

The drawing's fixed words (levels, their notes, the labels of the boxes' lines, the title) are translated into
the chosen language; names of bodies, posts and people are the structure's own.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from pochub.core.models.coordination import Level, Structure, structure_in
from pochub.core.toolkit.organogram import MARGIN, Organogram, layout
from pochub.i18n import DEFAULT_LANGUAGE, translations

SVG_NS = "http://www.w3.org/2000/svg"
FILL = {Level.STRATEGIC: "#1a365d", Level.OPERATIONAL: "#2b6cb0", Level.TACTICAL: "#e2edf8"}
INK = {Level.STRATEGIC: "#ffffff", Level.OPERATIONAL: "#ffffff", Level.TACTICAL: "#1a202c"}
BAND = {Level.STRATEGIC: "#f4f6fa", Level.OPERATIONAL: "#eef2f7", Level.TACTICAL: "#f7fafc"}
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


def _text(parent: ET.Element, x: float, y: float, content: str, **attributes: str) -> None:
    element = ET.SubElement(parent, "text", {"x": f"{x:.1f}", "y": f"{y:.1f}", **attributes})
    element.text = content


def _title(organogram: Organogram, _: Callable[[str], str]) -> tuple[str, str]:
    """The title and subtitle the layout wrote in English, in the chosen language."""
    title, subtitle = organogram.title, organogram.subtitle
    suffix = " — PoC coordination structure"
    if title.endswith(suffix):
        title = _("%(mission)s — PoC coordination structure") % {"mission": title.removesuffix(suffix)}
    if subtitle == "Coordinator model not set":
        subtitle = _("Coordinator model not set")
    elif subtitle.startswith("Coordinator model: "):
        model = subtitle.removeprefix("Coordinator model: ")
        subtitle = _("Coordinator model: %(model)s") % {"model": model}
    return title, subtitle


def _detail(line: str, _: Callable[[str], str]) -> str:
    """One line of a body's box with its English label (chair, co-chair...) in the chosen language."""
    labels = {
        "Chair: ": _("Chair: %(value)s"),
        "Co-chair: ": _("Co-chair: %(value)s"),
        "Secretariat: ": _("Secretariat: %(value)s"),
        "Meets ": _("Meets %(value)s"),
    }
    for prefix, label in labels.items():
        if line.startswith(prefix):
            return label % {"value": line.removeprefix(prefix)}
    return line


def render_svg(organogram: Organogram, language: str = DEFAULT_LANGUAGE) -> str:
    """The organogram as a standalone SVG document, its fixed words in ``language``."""
    _ = translations(language).gettext
    ET.register_namespace("", SVG_NS)
    width, height = organogram.width, organogram.height
    title, subtitle = _title(organogram, _)
    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "width": f"{width:.0f}",
            "height": f"{height:.0f}",
            "viewBox": f"0 0 {width:.0f} {height:.0f}",
            "font-family": FONT,
            "role": "img",
        },
    )
    ET.SubElement(svg, "title").text = title
    defs = ET.SubElement(svg, "defs")
    marker = ET.SubElement(
        defs,
        "marker",
        {"id": "arrow", "viewBox": "0 0 10 10", "refX": "9", "refY": "5", "markerWidth": "7",
         "markerHeight": "7", "orient": "auto-start-reverse"},
    )  # fmt: skip
    ET.SubElement(marker, "path", {"d": "M 0 0 L 10 5 L 0 10 z", "fill": "#4a5568"})
    ET.SubElement(svg, "rect", {"width": "100%", "height": "100%", "fill": "#ffffff"})
    _text(
        svg,
        MARGIN,
        MARGIN + 4,
        title,
        **{"font-size": "18", "font-weight": "bold", "fill": "#1a202c"},
    )
    _text(svg, MARGIN, MARGIN + 26, subtitle, **{"font-size": "13", "fill": "#4a5568"})
    for band in organogram.bands:
        group = ET.SubElement(svg, "g", {"class": f"level level-{band.level.value}"})
        ET.SubElement(
            group,
            "rect",
            {"x": f"{MARGIN / 2:.1f}", "y": f"{band.y:.1f}", "width": f"{width - MARGIN:.1f}",
             "height": f"{band.height:.1f}", "rx": "6", "fill": BAND[band.level]},
        )  # fmt: skip
        _text(group, MARGIN, band.y + band.height / 2, _level_name(band.level, _),
              **{"font-size": "14", "font-weight": "bold", "fill": "#4a5568"})  # fmt: skip
        _text(group, MARGIN, band.y + band.height / 2 + 16, _level_note(band.level, _),
              **{"font-size": "10", "fill": "#718096"})  # fmt: skip
    lines = ET.SubElement(svg, "g", {"class": "reporting-lines", "fill": "none", "stroke": "#4a5568"})
    for edge in organogram.edges:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in edge.points)
        ET.SubElement(
            lines,
            "polyline",
            {"points": points, "stroke-width": "1.5", "marker-end": "url(#arrow)",
             "data-from": edge.from_body, "data-to": edge.to_body},
        )  # fmt: skip
    for node in organogram.nodes:
        group = ET.SubElement(svg, "g", {"class": "body", "id": f"body-{node.body_id}"})
        ET.SubElement(group, "title").text = node.body_id
        ET.SubElement(
            group,
            "rect",
            {"x": f"{node.x:.1f}", "y": f"{node.y:.1f}", "width": f"{node.width:.1f}",
             "height": f"{node.height:.1f}", "rx": "8", "fill": FILL[node.level], "stroke": "#1a365d"},
        )  # fmt: skip
        y = node.y + 18
        for line in node.title_lines:
            _text(group, node.centre_x, y, line, **{"font-size": "12.5", "font-weight": "bold",
                                                    "fill": INK[node.level], "text-anchor": "middle"})  # fmt: skip
            y += 15
        for line in node.detail_lines:
            _text(group, node.centre_x, y, _detail(line, _), **{"font-size": "9.5", "fill": INK[node.level],
                                                    "text-anchor": "middle"})  # fmt: skip
            y += 12.5
    if organogram.observers:
        observers = _("Observers: %(observers)s") % {"observers": ", ".join(organogram.observers)}
        _text(svg, MARGIN, height - MARGIN / 2, observers, **{"font-size": "11", "fill": "#4a5568"})
    ET.indent(svg)
    return ET.tostring(svg, encoding="unicode", xml_declaration=True) + "\n"


def _level_name(level: Level, _: Callable[[str], str]) -> str:
    return {
        Level.STRATEGIC: _("Strategic"),
        Level.OPERATIONAL: _("Operational"),
        Level.TACTICAL: _("Tactical"),
    }[level]


def _level_note(level: Level, _: Callable[[str], str]) -> str:
    return {
        Level.STRATEGIC: _("leadership"),
        Level.OPERATIONAL: _("mission HQ, sector"),
        Level.TACTICAL: _("field office"),
    }[level]


def organogram_svg(structure: Structure, language: str = DEFAULT_LANGUAGE) -> str:
    """The structure's organogram as SVG, its fixed words and the structure's language maps in ``language``."""
    return render_svg(layout(structure_in(structure, language)), language)

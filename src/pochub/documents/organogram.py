"""The organogram as SVG: level bands, one box per body, reporting lines with arrows up to the parent body."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from pochub.core.models.coordination import Level, Structure
from pochub.core.toolkit.organogram import MARGIN, Organogram, layout

SVG_NS = "http://www.w3.org/2000/svg"
FILL = {Level.STRATEGIC: "#1a365d", Level.OPERATIONAL: "#2b6cb0", Level.TACTICAL: "#e2edf8"}
INK = {Level.STRATEGIC: "#ffffff", Level.OPERATIONAL: "#ffffff", Level.TACTICAL: "#1a202c"}
BAND = {Level.STRATEGIC: "#f4f6fa", Level.OPERATIONAL: "#eef2f7", Level.TACTICAL: "#f7fafc"}
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


def _text(parent: ET.Element, x: float, y: float, content: str, **attributes: str) -> None:
    element = ET.SubElement(parent, "text", {"x": f"{x:.1f}", "y": f"{y:.1f}", **attributes})
    element.text = content


def render_svg(organogram: Organogram) -> str:
    """The organogram as a standalone SVG document."""
    ET.register_namespace("", SVG_NS)
    width, height = organogram.width, organogram.height
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
    ET.SubElement(svg, "title").text = organogram.title
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
        organogram.title,
        **{"font-size": "18", "font-weight": "bold", "fill": "#1a202c"},
    )
    _text(svg, MARGIN, MARGIN + 26, organogram.subtitle, **{"font-size": "13", "fill": "#4a5568"})
    for band in organogram.bands:
        group = ET.SubElement(svg, "g", {"class": f"level level-{band.level.value}"})
        ET.SubElement(
            group,
            "rect",
            {"x": f"{MARGIN / 2:.1f}", "y": f"{band.y:.1f}", "width": f"{width - MARGIN:.1f}",
             "height": f"{band.height:.1f}", "rx": "6", "fill": BAND[band.level]},
        )  # fmt: skip
        _text(group, MARGIN, band.y + band.height / 2, band.level.value.capitalize(),
              **{"font-size": "14", "font-weight": "bold", "fill": "#4a5568"})  # fmt: skip
        _text(group, MARGIN, band.y + band.height / 2 + 16, _level_note(band.level),
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
            _text(group, node.centre_x, y, line, **{"font-size": "9.5", "fill": INK[node.level],
                                                    "text-anchor": "middle"})  # fmt: skip
            y += 12.5
    if organogram.observers:
        _text(svg, MARGIN, height - MARGIN / 2, "Observers: " + ", ".join(organogram.observers),
              **{"font-size": "11", "fill": "#4a5568"})  # fmt: skip
    ET.indent(svg)
    return ET.tostring(svg, encoding="unicode", xml_declaration=True) + "\n"


def _level_note(level: Level) -> str:
    return {
        Level.STRATEGIC: "leadership",
        Level.OPERATIONAL: "mission HQ, sector",
        Level.TACTICAL: "field office",
    }[level]


def organogram_svg(structure: Structure) -> str:
    """The structure's organogram as SVG."""
    return render_svg(layout(structure))

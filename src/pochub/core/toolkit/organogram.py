"""The organogram of a coordination structure as a layout: boxes by level, reporting lines as elbows.

Strategic bodies sit on top, operational below, tactical at the bottom (DOMAIN.md section 3); within a level a
body is placed under the body it reports to, so that reporting lines do not cross more than they must. Wide
levels wrap onto several rows. The layout is pure geometry in pixels; ``pochub.documents.organogram`` draws it.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from pochub.core.models.coordination import LEVEL_ORDER, Body, Level, Structure

BOX_WIDTH = 250.0
BOX_HEIGHT = 92.0
GAP_X = 28.0
GAP_Y = 70.0
MARGIN = 40.0
BAND_LABEL_WIDTH = 110.0
HEADER = 70.0
PER_ROW = 6
LINE_CHARS = 34
DETAIL_CHARS = 44


@dataclass(frozen=True)
class OrganogramNode:
    """One body's box: where it is and the lines of text in it."""

    body_id: str
    level: Level
    x: float
    y: float
    width: float
    height: float
    title_lines: tuple[str, ...]
    detail_lines: tuple[str, ...]

    @property
    def centre_x(self) -> float:
        """Horizontal centre of the box."""
        return self.x + self.width / 2


@dataclass(frozen=True)
class OrganogramEdge:
    """A reporting line from a body up to the body it reports to, as an elbow polyline."""

    from_body: str
    to_body: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class LevelBand:
    """The horizontal band of one level."""

    level: Level
    y: float
    height: float


@dataclass(frozen=True)
class Organogram:
    """The whole drawing."""

    title: str
    subtitle: str
    width: float
    height: float
    nodes: tuple[OrganogramNode, ...]
    edges: tuple[OrganogramEdge, ...]
    bands: tuple[LevelBand, ...]
    observers: tuple[str, ...]


def _short_title(structure: Structure, role: str | None) -> str:
    """A role's title without the ", Field Office X" a field role's title ends with."""
    title = structure.title_of(role)
    post = structure.post(role) if role else None
    office = structure.field_office(post.field_office) if post and post.field_office else None
    return title.removesuffix(f", {office.name}") if office is not None else title


def _details(structure: Structure, body: Body) -> tuple[str, ...]:
    chair = structure.post(body.chair)
    lines = [f"Chair: {_short_title(structure, body.chair)}"]
    if chair is not None and chair.name:
        lines.append(chair.name)
    if body.co_chair:
        lines.append(f"Co-chair: {_short_title(structure, body.co_chair)}")
    if body.secretariat:
        lines.append(f"Secretariat: {_short_title(structure, body.secretariat)}")
    if body.meeting_frequency:
        lines.append(f"Meets {body.meeting_frequency}")
    return tuple(textwrap.shorten(line, DETAIL_CHARS, placeholder="...") for line in lines)


def _order(structure: Structure) -> dict[Level, list[Body]]:
    """The bodies of each level in drawing order: under their parent, then in document order."""
    rows: dict[Level, list[Body]] = {level: [] for level in LEVEL_ORDER}
    for body in structure.bodies_by_id.values():
        rows[body.level].append(body)
    position: dict[str, float] = {}
    for level in LEVEL_ORDER:
        document_order = {b.id: i for i, b in enumerate(rows[level])}
        rows[level].sort(
            key=lambda b: (
                position.get(b.reports_to or "", float("inf")),
                document_order[b.id],
            )
        )
        for i, body in enumerate(rows[level]):
            position[body.id] = i + LEVEL_ORDER.index(level) * 1000
    return rows


def layout(structure: Structure) -> Organogram:
    """Place every body and reporting line of ``structure``."""
    rows = _order(structure)
    widest = max((min(len(r), PER_ROW) for r in rows.values()), default=1)
    content_width = max(widest, 1) * (BOX_WIDTH + GAP_X) - GAP_X
    width = MARGIN * 2 + BAND_LABEL_WIDTH + content_width
    y = MARGIN + HEADER
    nodes: dict[str, OrganogramNode] = {}
    bands = []
    for level in LEVEL_ORDER:
        bodies = rows[level]
        if not bodies:
            continue
        band_top = y - GAP_Y / 4
        for start in range(0, len(bodies), PER_ROW):
            chunk = bodies[start : start + PER_ROW]
            row_width = len(chunk) * (BOX_WIDTH + GAP_X) - GAP_X
            x = MARGIN + BAND_LABEL_WIDTH + (content_width - row_width) / 2
            for body in chunk:
                title = tuple(textwrap.wrap(body.name, LINE_CHARS, max_lines=2, placeholder="...")) or (
                    body.id,
                )
                nodes[body.id] = OrganogramNode(
                    body.id, level, x, y, BOX_WIDTH, BOX_HEIGHT, title, _details(structure, body)
                )
                x += BOX_WIDTH + GAP_X
            y += BOX_HEIGHT + GAP_Y
        bands.append(LevelBand(level, band_top, y - GAP_Y * 3 / 4 - band_top))
    edges = []
    for node in nodes.values():
        parent_id = structure.bodies_by_id[node.body_id].reports_to
        parent = nodes.get(parent_id or "")
        if parent is None:
            continue
        if parent.y < node.y:
            elbow = node.y - GAP_Y / 2
            points = (
                (node.centre_x, node.y),
                (node.centre_x, elbow),
                (parent.centre_x, elbow),
                (parent.centre_x, parent.y + parent.height),
            )
        else:  # same row or below: go round the side
            side = max(node.y, parent.y) + BOX_HEIGHT + GAP_Y / 3
            points = (
                (node.centre_x, node.y + node.height),
                (node.centre_x, side),
                (parent.centre_x, side),
                (parent.centre_x, parent.y + parent.height),
            )
        edges.append(OrganogramEdge(node.body_id, parent.body_id, points))
    model = structure.mission.coordinator_model
    observers = tuple(dict.fromkeys(o for b in structure.bodies for o in b.observers))
    return Organogram(
        title=f"{structure.mission.name} — PoC coordination structure",
        subtitle=f"Coordinator model: {model.value.replace('_', ' ')}"
        if model
        else "Coordinator model not set",
        width=width,
        height=y - GAP_Y + MARGIN + (30.0 if observers else 0.0),
        nodes=tuple(nodes.values()),
        edges=tuple(edges),
        bands=tuple(bands),
        observers=observers,
    )

"""The coordination structure: the current document, its bodies, their terms of reference, the organogram, and
validation of a proposed structure. Every route needs a signed-in user (the structure names staff)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from pochub.api.language import DocumentLanguage
from pochub.api.responses import NOT_FOUND, SIGNED_IN, Problem
from pochub.core.models.coordination import Level, Structure, structure_in
from pochub.core.toolkit.terms_of_reference import terms_of_reference
from pochub.core.workflow.structure import escalation_path, parse_structure, validate_structure
from pochub.documents.organogram import organogram_svg
from pochub.documents.terms_of_reference import render_html
from pochub.errors import InvalidInput, NotFound
from pochub.http.auth import current_user
from pochub.http.database import DbConnection
from pochub.services.structures import NO_STRUCTURE, current_document, known_pcodes

router = APIRouter(
    prefix="/api/v1/structures",
    tags=["structures"],
    dependencies=[Depends(current_user)],
    responses={**SIGNED_IN, 404: {"model": Problem, "description": "No structure is stored."}},
)


class BodyOut(BaseModel):
    """A coordination body, as the organogram and its terms of reference show it."""

    id: str
    name: str
    level: Level
    chair: str
    chair_title: str
    secretariat: str | None
    members: dict[str, list[str]] = Field(description="Member role ids by component.")
    observers: list[str]
    meeting_frequency: str
    area_pcodes: list[str]
    reports_to: str | None
    field_office: str | None
    escalation_path: list[str] = Field(description="The bodies an overdue alert climbs to, nearest first.")


class ProblemOut(BaseModel):
    """One problem of a structure and the element it is in."""

    element: str
    message: str


class ValidationOut(BaseModel):
    """The result of validating a structure document."""

    valid: bool
    problems: list[ProblemOut]
    bodies: int = 0
    field_offices: int = 0
    routing_rules: int = 0


def _structure(conn: DbConnection) -> Structure:
    document = current_document(conn)
    if document is None:
        raise NotFound(NO_STRUCTURE)
    return parse_structure(document, source="stored structure")


CurrentStructure = Annotated[Structure, Depends(_structure)]


@router.get("")
@router.get("/current", include_in_schema=False)
def current(conn: DbConnection) -> dict[str, Any]:
    """The current coordination structure document (the YAML schema, as JSON)."""
    document = current_document(conn)
    if document is None:
        raise NotFound(NO_STRUCTURE)
    return document


@router.get("/organogram.svg", response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
def organogram(structure: CurrentStructure, language: DocumentLanguage) -> Response:
    """The organogram of the current structure (SVG), its labels in the chosen language."""
    return Response(
        organogram_svg(structure, language),
        media_type="image/svg+xml",
        headers={"Content-Language": language},
    )


@router.get("/bodies")
def bodies(structure: CurrentStructure) -> list[BodyOut]:
    """Every coordination body of the current structure."""
    return [
        BodyOut(
            id=b.id,
            name=b.name,
            level=b.level,
            chair=b.chair,
            chair_title=structure.title_of(b.chair),
            secretariat=b.secretariat,
            members={component: list(roles) for component, roles in b.members},
            observers=list(b.observers),
            meeting_frequency=b.meeting_frequency,
            area_pcodes=list(b.area_pcodes),
            reports_to=b.reports_to,
            field_office=b.field_office,
            escalation_path=list(escalation_path(structure, b.id)),
        )
        for b in structure.bodies_by_id.values()
    ]


@router.get("/bodies/{body_id}/tor", response_class=HTMLResponse, responses=NOT_FOUND)
def body_terms_of_reference(
    structure: CurrentStructure,
    body_id: Annotated[str, Path(description="The body's id.")],
    language: DocumentLanguage,
) -> HTMLResponse:
    """The terms of reference of one body (HTML), in the chosen language."""
    if structure.body(body_id) is None:
        raise NotFound(f"no body {body_id!r} in the current structure")
    return HTMLResponse(
        render_html(terms_of_reference(structure_in(structure, language), body_id), language),
        headers={"Content-Language": language},
    )


@router.post("/validate")
def validate(
    conn: DbConnection,
    document: Annotated[dict[str, Any], Body(description="A structure document (the YAML schema, as JSON).")],
    boundaries_from_store: Annotated[
        bool, Query(description="Also check that the stored admin areas' P-codes are all covered.")
    ] = False,
) -> ValidationOut:
    """Validate a proposed structure without storing it: every problem, each naming its element."""
    try:
        structure = parse_structure(document, source="document")
    except InvalidInput as exc:
        lines = str(exc).splitlines()
        details = [line.strip() for line in lines[1:]] or lines
        return ValidationOut(
            valid=False,
            problems=[
                ProblemOut(element=d.split(":", 1)[0], message=d.split(":", 1)[-1].strip()) for d in details
            ],
        )
    pcodes = known_pcodes(conn) if boundaries_from_store else None
    problems = validate_structure(structure, pcodes or None)
    return ValidationOut(
        valid=not problems,
        problems=[ProblemOut(element=p.element, message=str(p.message)) for p in problems],
        bodies=len(structure.bodies),
        field_offices=len(structure.field_offices),
        routing_rules=len(structure.routing.rules),
    )

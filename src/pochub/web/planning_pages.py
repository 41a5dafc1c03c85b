"""Planning pages: coverage and allocation (the current posture, and deployment plans run from the page), the
coordination structure (organogram, bodies and their terms of reference, the checklist self-assessment, the four
coordinator models), and the forecast-against-actual figures of the charts page.

Planners, PoC advisers and administrators run plans; every signed-in user sees the current posture. A plan runs
as a background job (pochub.services.allocation.PlanJobs) with a solver time limit (``PLAN_SECONDS``); its page
reloads itself until the plan is done, then says when the limit cut the search short and what gap is left.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np
import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import Connection, Engine

from pochub.core.allocation.travel import Season
from pochub.core.models.access import Role, User
from pochub.core.models.coordination import Structure, structure_in
from pochub.core.perspectives.perceived import basis_reason
from pochub.core.text import Message
from pochub.core.toolkit.checklist import STATUSES, TASKS, Answer, ChecklistAssessment, assess
from pochub.core.toolkit.coordinator_models import FACTORS, PROFILES
from pochub.core.toolkit.terms_of_reference import terms_of_reference
from pochub.core.warning.forecast import forecast_regression, lag_features
from pochub.documents import coordinator_models
from pochub.documents import terms_of_reference as terms_of_reference_document
from pochub.errors import InvalidInput
from pochub.http.auth import OptionalUser
from pochub.i18n import translations
from pochub.services.allocation import WEIGHTS, AllocationRun, PlanJobs, allocate, coverage, parse_hours
from pochub.services.structures import checklist_template, current_structure
from pochub.services.warning import monthly_panel
from pochub.web import map_layers
from pochub.web.forms import PostedForm
from pochub.web.rendering import language_of, render, to_login

router = APIRouter(include_in_schema=False)
router.include_router(map_layers.router)

PLANNING_ROLES = frozenset({Role.PLANNER, Role.POC_ADVISER, Role.ADMIN})
"""Roles that run deployment plans and record the checklist (the others see the current posture)."""
PLAN_SECONDS = 25.0
"""Solver time limit of a plan run from the page: long enough for the demo's 2,000 communities, short enough
for a web request."""
MODELS = ("mclp", "lscp", "pmedian")
MAX_P = 50
MAX_STANDARD_HOURS = 72.0


def may_plan(user: User) -> bool:
    """May ``user`` run plans and record the self-assessment?"""
    return user.role in PLANNING_ROLES


def _finite(value: float, digits: int = 2) -> float | None:
    return round(float(value), digits) if math.isfinite(float(value)) else None


# --- coverage and allocation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanForm:
    """What the plan form asks: the model, new sites, standard, season and what communities weigh."""

    model: str = "mclp"
    p: str = "3"
    standard: str = "4h"
    season: str = "dry"
    weight: str = "population"


def check_plan_form(form: PlanForm) -> tuple[dict[str, str], int, float]:
    """The form's errors by field (message keys), with p and the standard in hours when they are valid."""
    errors: dict[str, str] = {}
    if form.model not in MODELS:
        errors["model"] = "choose_model"
    p = 0
    if form.model != "lscp":
        try:
            p = int(form.p)
        except ValueError:
            errors["p"] = "bad_p"
        else:
            if not 1 <= p <= MAX_P:
                errors["p"] = "bad_p"
    hours = 0.0
    try:
        hours = parse_hours(form.standard)
    except InvalidInput:
        errors["standard"] = "bad_standard"
    else:
        if hours > MAX_STANDARD_HOURS:
            errors["standard"] = "bad_standard"
    if form.season not in {s.value for s in Season}:
        errors["season"] = "choose_season"
    if form.weight not in WEIGHTS:
        errors["weight"] = "choose_weight"
    return errors, p, hours


def posture(engine: Engine, hours: float, season: str, weight: str) -> dict[str, Any] | None:
    """The units' coverage today within ``hours``: figures and each community's status (None without data)."""
    try:
        run = coverage(engine, standards=(hours,), season=season, weight=weight)
    except InvalidInput:
        return None
    result = run.result
    covered = result.covered(hours)
    return {
        "standard_hours": hours,
        "covered_share": float(result.covered_share[0]),
        "covered_weight": float(result.covered_weight[0]),
        "gap_weight": float(result.gap_weight[0]),
        "total_weight": float(result.total_weight),
        "gap_communities": int((~covered).sum()),
        "median_response_hours": _finite(result.median_response_hours),
        "communities": [
            [round(c.longitude, 4), round(c.latitude, 4), int(covered[i]), c.population, c.name]
            for i, c in enumerate(run.communities)
        ],
        "roads": run.network.graph is not None,
        "counted": run.posture.counted(),
        "season": run.network.season.value,
    }


def plan_summary(run: AllocationRun) -> dict[str, Any]:
    """A solved plan as the page shows it: status, gap, the new sites, and current against proposed."""
    result = run.result
    hours = run.standard_hours
    now, then = run.current.covered(hours), run.proposed.covered(hours)
    status = np.where(then & ~now, 2, np.where(now, 1, 0))
    bases = {(b.latitude, b.longitude): b for b in run.bases}.values()  # units share their home base
    return {
        "model": run.model,
        "status": result.status,
        "gap": float(result.gap),
        "objective": float(result.objective),
        "solve_seconds": round(float(result.solve_seconds), 2),
        "standard_hours": hours,
        "sites": run.sites,
        "bases": [{"id": b.site_id, "name": b.name, "lat": b.latitude, "lon": b.longitude} for b in bases],
        "counted": run.posture.counted(),
        "season": run.season,
        "current": {
            "covered_share": float(run.current.covered_share[0]),
            "gap_weight": float(run.current.gap_weight[0]),
            "gap_communities": int((~now).sum()),
            "median_response_hours": _finite(run.current.median_response_hours),
        },
        "proposed": {
            "covered_share": float(run.proposed.covered_share[0]),
            "gap_weight": float(run.proposed.gap_weight[0]),
            "gap_communities": int((~then).sum()),
            "median_response_hours": _finite(run.proposed.median_response_hours),
        },
        "total_weight": float(run.current.total_weight),
        "communities": [
            [round(c.longitude, 4), round(c.latitude, 4), int(status[i]), c.population, c.name]
            for i, c in enumerate(run.communities)
        ],
    }


def site_reasons(plan: dict[str, Any] | None) -> list[Message | None]:
    """Each proposed site's reason when the plan weighs by perceived risk (on what the weights of the communities
    it newly covers rest), else None."""
    return [
        basis_reason(site["perceived_risk"]) if site.get("perceived_risk") else None
        for site in (plan or {}).get("sites", [])
    ]


def _coverage_page(
    request: Request,
    user: User,
    form: PlanForm,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    plan: dict[str, Any] | None = None,
    problem: str = "",
    running: bool = False,
) -> HTMLResponse:
    errors = errors or {}
    hours = 4.0
    if "standard" not in errors:
        with contextlib.suppress(InvalidInput):
            hours = min(parse_hours(form.standard), MAX_STANDARD_HOURS)
    season = form.season if form.season in {s.value for s in Season} else "dry"
    weight = form.weight if form.weight in WEIGHTS else "population"
    current = posture(request.app.state.engine, hours, season, weight)
    return render(
        request,
        "coverage_page.html",
        status_code=status_code,
        user=user,
        form=form,
        errors=errors,
        plan=plan,
        problem=problem,
        running=running,
        posture=current,
        reasons=site_reasons(plan),
        can_plan=may_plan(user),
        models=MODELS,
        seasons=[s.value for s in Season],
        weights=WEIGHTS,
        plan_seconds=PLAN_SECONDS,
        max_p=MAX_P,
    )


def plan_jobs(request: Request) -> PlanJobs:
    """The server process's plan jobs (made with the application)."""
    jobs: PlanJobs = request.app.state.plan_jobs
    return jobs


def _job_page(request: Request, user: User, form: PlanForm, job_id: str) -> Response:
    """A plan job's page: still running (the page polls it), its plan, or why it failed."""
    job = plan_jobs(request).get(job_id[:64], user.username)
    if job is None:
        return _coverage_page(request, user, form, status_code=404, errors={"form": "no_job"})
    if job.state == "running":
        return _coverage_page(request, user, form, running=True)
    if job.state == "failed":
        return _coverage_page(
            request, user, form, status_code=422, errors={"form": "infeasible"}, problem=job.problem
        )
    if not isinstance(job.result, dict):  # summarised once, on the first poll that finds it done
        job.result = plan_summary(job.result)
    return _coverage_page(request, user, form, plan=job.result)


@router.get("/coverage")
def coverage_page(
    request: Request,
    user: OptionalUser,
    standard: str = "4h",
    season: str = "dry",
    weight: str = "population",
    model: str = "mclp",
    p: str = "3",
    job: str | None = None,
) -> Response:
    """The current posture within a standard (every signed-in user), the plan form (planning roles), and a
    plan job's progress or result (``job``: the page reloads itself while the plan runs)."""
    if user is None:
        return to_login(request)
    form = PlanForm(
        model=model[:20], p=p[:20], standard=standard[:20], season=season[:20], weight=weight[:20]
    )
    if job:
        return _job_page(request, user, form, job)
    errors, _, _ = check_plan_form(form)
    shown = {k: v for k, v in errors.items() if k in ("standard", "season", "weight")}
    return _coverage_page(request, user, form, status_code=422 if shown else 200, errors=shown)


@router.post("/coverage")
def run_plan(request: Request, user: OptionalUser, data: PostedForm) -> Response:
    """Start a deployment plan from the form (planning roles only) as a background job; to its page."""
    if user is None:
        return to_login(request)
    given = {k: str(data.get(k, ""))[:40].strip() for k in ("model", "p", "standard", "season", "weight")}
    form = PlanForm(**{k: v for k, v in given.items() if v or k == "p"})
    if not may_plan(user):
        return _coverage_page(request, user, form, status_code=403, errors={"form": "not_allowed"})
    errors, p, hours = check_plan_form(form)
    if errors:
        return _coverage_page(request, user, form, status_code=422, errors=errors)
    engine = request.app.state.engine

    def run() -> AllocationRun:
        return allocate(
            engine,
            form.model,
            p=p or 1,
            standard_hours=hours,
            season=form.season,
            weight=form.weight,
            time_limit=PLAN_SECONDS,
        )

    job_id = plan_jobs(request).submit(user.username, run)
    query = urlencode({"job": job_id, **asdict(form)})
    return RedirectResponse(f"/coverage?{query}#plan-title", status_code=303)


# --- coordination -----------------------------------------------------------------------------------------


def answers_from_form(values: dict[str, str]) -> tuple[list[Answer], dict[str, str]]:
    """Checklist answers from the form (``answer-KEY``, ``evidence-KEY``, ``owner-KEY``, ``due-KEY``) and the
    errors by question key (message keys)."""
    answers: list[Answer] = []
    errors: dict[str, str] = {}
    for task in TASKS:
        for question in task.questions:
            key = question.key
            status = values.get(f"answer-{key}", "").strip().lower() or None
            if status is not None and status not in STATUSES:
                errors[key] = "bad_answer"
                status = None
            due_text = values.get(f"due-{key}", "").strip()
            due = None
            if due_text:
                try:
                    due = date.fromisoformat(due_text)
                except ValueError:
                    errors[f"due-{key}"] = "bad_due"
            evidence = values.get(f"evidence-{key}", "").strip()[:2000]
            owner = values.get(f"owner-{key}", "").strip()[:200]
            if status is not None or evidence or owner or due:
                answers.append(Answer(key, status, evidence=evidence, owner=owner, due_date=due))
    return answers, errors


def answers_document(structure: Any, answers: list[Answer]) -> dict[str, Any]:
    """The answers file (`pochub checklist --template`'s document, filled in) for `pochub checklist --answers`."""
    document = checklist_template(structure)
    given = {a.question: a for a in answers}
    for task in document["tasks"]:
        for question in task["questions"]:
            answer = given.get(question["id"])
            if answer is None:
                continue
            question["answer"] = answer.status
            question["evidence"] = answer.evidence or question["evidence"]
            question["owner"] = answer.owner
            question["due_date"] = answer.due_date.isoformat() if answer.due_date else None
    return document


def _reader_structure(conn: Connection, request: Request) -> Structure | None:
    """The current structure with its language maps (names, titles, purposes) in the reader's language."""
    structure = current_structure(conn)
    return structure_in(structure, language_of(request)) if structure is not None else None


def _coordination_page(
    request: Request,
    user: User,
    *,
    assessment: ChecklistAssessment,
    structure: Any,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    scored_answers: bool = False,
) -> HTMLResponse:
    bodies = []
    if structure is not None:
        bodies = [
            {
                "id": b.id,
                "name": b.name,
                "level": b.level.value if hasattr(b.level, "value") else str(b.level),
                "chair": structure.title_of(b.chair),
                "meets": b.meeting_frequency,
                "reports_to": structure.body(b.reports_to).name
                if b.reports_to and structure.body(b.reports_to)
                else "",
            }
            for b in structure.bodies_by_id.values()
        ]
    current_model = structure.mission.coordinator_model if structure is not None else None
    return render(
        request,
        "coordination_page.html",
        status_code=status_code,
        user=user,
        structure=structure,
        bodies=bodies,
        assessment=assessment,
        profiles=PROFILES,
        factors=FACTORS,
        current_model=current_model,
        can_record=may_plan(user),
        errors=errors or {},
        values=values or {},
        statuses=STATUSES,
        scored_answers=scored_answers,
    )


def _today() -> date:
    return datetime.now(UTC).date()


@router.get("/coordination")
def coordination_page(request: Request, user: OptionalUser) -> Response:
    """The organogram, the bodies with their terms of reference, the checklist scores and the models."""
    if user is None:
        return to_login(request)
    with request.app.state.engine.connect() as conn:
        structure = _reader_structure(conn, request)
    assessment = assess([], _today(), structure=structure)
    return _coordination_page(request, user, assessment=assessment, structure=structure)


@router.post("/coordination/checklist")
def record_checklist(request: Request, user: OptionalUser, data: PostedForm) -> Response:
    """Score the answers given in the form, or download them as the YAML answers file (planning roles)."""
    if user is None:
        return to_login(request)
    values = {k: str(v)[:2000] for k, v in data.items() if isinstance(v, str)}
    with request.app.state.engine.connect() as conn:
        structure = _reader_structure(conn, request)
    if not may_plan(user):
        assessment = assess([], _today(), structure=structure)
        return _coordination_page(
            request, user, assessment=assessment, structure=structure, status_code=403,
            errors={"form": "not_allowed"},
        )  # fmt: skip
    answers, errors = answers_from_form(values)
    if errors:
        assessment = assess([a for a in answers if a.question not in errors], _today(), structure=structure)
        return _coordination_page(
            request, user, assessment=assessment, structure=structure, status_code=422, errors=errors,
            values=values, scored_answers=True,
        )  # fmt: skip
    if values.get("action") == "download":
        text = yaml.safe_dump(answers_document(structure, answers), sort_keys=False, allow_unicode=True)
        stamp = _today().isoformat()
        return Response(
            text,
            media_type="application/yaml",
            headers={"Content-Disposition": f'attachment; filename="checklist-answers-{stamp}.yaml"'},
        )
    assessment = assess(answers, _today(), structure=structure)
    return _coordination_page(
        request, user, assessment=assessment, structure=structure, values=values, scored_answers=True
    )


def _document_page(
    request: Request, user: User, title: str, document: Markup, downloads: list[tuple[str, str]]
) -> Response:
    """A generated document inside the site's layout, a step below the coordination page."""
    _ = translations(language_of(request)).gettext
    return render(
        request, "document_page.html", user=user, title=title, document=document, downloads=downloads,
        back_href="/coordination", back_label=_("Coordination"),
    )  # fmt: skip


@router.get("/coordination/bodies/{body_id}")
def body_terms_page(request: Request, user: OptionalUser, body_id: str) -> Response:
    """One body's terms of reference as a page of the site (the document itself is a link away)."""
    if user is None:
        return to_login(request)
    language = language_of(request)
    with request.app.state.engine.connect() as conn:
        structure = _reader_structure(conn, request)
    if structure is None or structure.body(body_id) is None:
        return render(request, "not_found.html", status_code=404, user=user)
    tor = terms_of_reference(structure, body_id)
    _ = translations(language).gettext
    document_url = f"/api/v1/structures/bodies/{quote(body_id, safe='')}/tor"
    return _document_page(
        request, user, _("Terms of reference: %(body)s") % {"body": tor.name},
        terms_of_reference_document.render_page_content(tor, language),
        [(document_url, _("The terms of reference as a document to print or save (HTML)"))],
    )  # fmt: skip


@router.get("/coordination/models")
def models_comparison(request: Request, user: OptionalUser) -> Response:
    """The full side-by-side comparison of the four coordinator models (the mission's outlined), as a page."""
    if user is None:
        return to_login(request)
    with request.app.state.engine.connect() as conn:
        structure = current_structure(conn)
    current = structure.mission.coordinator_model if structure is not None else None
    language = language_of(request)
    _ = translations(language).gettext
    return _document_page(
        request, user, _("The four PoC coordinator models, side by side"),
        coordinator_models.render_page_content(current, language),
        [("/coordination/models/document", _("The comparison as a document to print or save (HTML)"))],
    )  # fmt: skip


@router.get("/coordination/models/document")
def models_comparison_document(request: Request, user: OptionalUser) -> Response:
    """The comparison as its own document (to print, save or convert), in the reader's language."""
    if user is None:
        return to_login(request)
    with request.app.state.engine.connect() as conn:
        structure = current_structure(conn)
    current = structure.mission.coordinator_model if structure is not None else None
    language = language_of(request)
    return HTMLResponse(
        coordinator_models.render_html(current, language),
        headers={"Content-Language": language, "Vary": "Accept-Language, Cookie"},
    )


# --- forecast against actual (charts page) ----------------------------------------------------------------

BACKTEST_MONTHS = 12
"""Months of the backtest: each forecast one month ahead from the data up to the month before."""
INTERVAL = (0.1, 0.9)
SAMPLES = 400


def forecast_backtest(engine: Engine, months: int = BACKTEST_MONTHS) -> dict[str, Any]:
    """The mission's monthly events of violence against civilians over the last ``months`` complete months,
    each against the model's forecast made from the months before it (one month ahead, the admin-2 panel with
    neighbours and population, summed over areas: areas are sampled independently, so the interval is
    indicative), and the naive forecast (the previous month's count). Mean absolute errors of both."""
    try:
        unit_panel = monthly_panel(engine, unit_kind="area", level=2)
    except InvalidInput as exc:
        return {"months": [], "problem": str(exc)}
    panel = unit_panel.panel
    periods = len(panel.periods)
    if periods < months + 15:
        return {"months": [], "problem": f"{periods} months of events: the backtest needs {months + 15}"}
    features = lag_features(panel.events, unit_panel.neighbours, unit_panel.covariates, 24)
    totals = panel.events.sum(axis=0)
    rng = np.random.default_rng(0)
    rows: list[dict[str, Any]] = []
    previous = None
    for index in range(periods - months, periods):
        origin = panel.periods[index - 1]
        forecast = forecast_regression(
            panel,
            origin=origin,
            horizon=1,
            neighbours=unit_panel.neighbours,
            covariates=unit_panel.covariates,
            features=features,
            warm_start=previous,
        )
        previous = forecast
        law = forecast.step(1)
        draws = law.sample(rng, SAMPLES).sum(axis=0)
        rows.append(
            {
                "month": f"{panel.periods[index]:%Y-%m}",
                "actual": int(totals[index]),
                "forecast": round(float(law.mean().sum()), 1),
                "low": float(np.quantile(draws, INTERVAL[0])),
                "high": float(np.quantile(draws, INTERVAL[1])),
                "naive": int(totals[index - 1]),
            }
        )
    model_error = sum(abs(r["forecast"] - r["actual"]) for r in rows) / len(rows)
    naive_error = sum(abs(r["naive"] - r["actual"]) for r in rows) / len(rows)
    inside = sum(1 for r in rows if r["low"] <= r["actual"] <= r["high"])
    return {
        "months": rows,
        "model_mae": round(model_error, 1),
        "naive_mae": round(naive_error, 1),
        "inside_interval": inside,
        "interval": [int(INTERVAL[0] * 100), int(INTERVAL[1] * 100)],
        "areas": len(panel.units),
    }


@router.get("/charts/forecast.json")
def forecast_chart(request: Request, user: OptionalUser) -> Response:
    """The forecast-against-actual backtest, cached with the map's layers (it takes seconds to compute)."""
    if user is None:
        return map_layers.signed_out()
    engine = request.app.state.engine
    return map_layers.CACHE.response(request, ("forecast-backtest",), lambda: forecast_backtest(engine))


__all__ = ["router"]

"""A structure's free texts (purposes, names, titles) written in English and French as language maps: parsed,
validated, and shown in the document's language, so a French ToR or organogram carries no English free text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pochub.core.models.coordination import CoordinatorModel, LanguageText, structure_in
from pochub.core.toolkit.terms_of_reference import all_terms_of_reference
from pochub.core.workflow.structure import parse_structure
from pochub.demo.generator import MIN_COMMUNITIES, generate_demo
from pochub.documents import organogram, terms_of_reference
from pochub.errors import InvalidInput
from pochub.services.structures import template_text

FREE_TEXTS = ("name", "purpose", "meeting_frequency", "extraordinary_meeting_trigger")
FREE_TEXT_LISTS = ("standing_inputs", "outputs", "information_classification")


def english_texts(document: dict[str, Any]) -> set[str]:
    """The English of every language map in the document's free texts; fails on a plain (one-language) text."""
    found: set[str] = set()

    def take(value: Any, where: str) -> None:
        assert isinstance(value, dict) and set(value) == {"en", "fr"}, f"{where} is not in English and French"
        if value["en"] != value["fr"]:
            found.add(value["en"])

    for office in document.get("field_offices") or []:
        take(office["name"], f"field office {office['id']}")
    for body in document["bodies"]:
        for key in FREE_TEXTS:
            if body.get(key):
                take(body[key], f"{body['id']}.{key}")
        for key in FREE_TEXT_LISTS:
            for i, item in enumerate(body.get(key) or []):
                take(item, f"{body['id']}.{key}[{i}]")
    for role in document.get("roles") or []:
        take(role["title"], f"role {role['id']}")
    return found


def french_documents(document: dict[str, Any]) -> str:
    """Every French terms of reference and the French organogram of the structure, as one text."""
    structure = parse_structure(document)
    pages = [
        terms_of_reference.render_html(tor, "fr")
        for tor in all_terms_of_reference(structure_in(structure, "fr"))
    ]
    pages.append(organogram.organogram_svg(structure, "fr"))
    return "\n".join(pages)


def assert_no_english(document: dict[str, Any]) -> None:
    english = english_texts(document)
    assert english
    text = french_documents(document).replace("&#39;", "'").replace("&amp;", "&")
    left = sorted(e for e in english if re.search(rf"(?<![\w-]){re.escape(e)}(?![\w-])", text))
    assert not left, f"English free text in the French documents: {left}"


@pytest.mark.parametrize("model", list(CoordinatorModel))
def test_the_templates_have_no_english_free_text_in_french(model: CoordinatorModel) -> None:
    assert_no_english(yaml.safe_load(template_text(model.value)))


def test_the_demo_structure_has_no_english_free_text_in_french(tmp_path: Path) -> None:
    demo = generate_demo(tmp_path, seed=7, n_communities=MIN_COMMUNITIES, n_events=200)
    assert_no_english(yaml.safe_load(demo.structure.read_text()))


def test_a_language_map_is_shown_in_the_documents_language() -> None:
    document = yaml.safe_load(template_text("groups_as_coordinators"))
    document["bodies"][0]["purpose"] = {"en": "Decides <and> leads", "fr": "Décide et dirige"}
    structure = parse_structure(document)
    purpose = structure.bodies[0].purpose
    assert isinstance(purpose, LanguageText) and purpose == "Decides <and> leads"
    assert structure_in(structure, "fr").bodies[0].purpose == "Décide et dirige"
    english = terms_of_reference.render_html(all_terms_of_reference(structure)[0], "en")
    assert "Decides &lt;and&gt; leads" in english and "Décide" not in english
    assert "Decides <and>" not in english  # the text stays text


def test_a_text_shown_in_another_language_says_so() -> None:
    text = LanguageText({"en": "weekly"}, "fr")
    assert text == "weekly" and text.fallback
    assert text.__html__() == '<span lang="en">weekly</span>'
    assert LanguageText({"en": "weekly", "fr": "hebdomadaire"}, "fr").__html__() == "hebdomadaire"


@pytest.mark.parametrize(
    ("purpose", "reason"),
    [
        ({"en": "only English"}, "missing or not text: fr"),
        ({"en": "x", "fr": ""}, "missing or not text: fr"),
        ({"en": "x", "fr": "y", "de": "z"}, "unknown language de"),
        ({"en": "x", "fr": 3}, "missing or not text: fr"),
    ],
)
def test_an_incomplete_language_map_is_refused_naming_the_field(purpose: dict[str, Any], reason: str) -> None:
    document = yaml.safe_load(template_text("groups_as_coordinators"))
    document["bodies"][0]["purpose"] = purpose
    with pytest.raises(InvalidInput) as refused:
        parse_structure(document, source="mission.yaml")
    assert f"bodies[{document['bodies'][0]['id']}].purpose:" in str(refused.value)
    assert reason in str(refused.value)


def test_a_language_map_error_in_a_file_names_its_line(tmp_path: Path) -> None:
    from pochub.ingest.structure import load_structure

    text = template_text("groups_as_coordinators")
    document = yaml.safe_load(text)
    body = document["bodies"][0]
    french = body["purpose"]["fr"]
    path = tmp_path / "mission.yaml"
    path.write_text(text.replace(f"    fr: {french}\n", "    de: Zweck\n", 1))
    line = next(i for i, row in enumerate(path.read_text().splitlines(), 1) if "de: Zweck" in row)
    with pytest.raises(InvalidInput) as refused:
        load_structure(path)
    message = str(refused.value)
    assert f"line {line - 1}: bodies[{body['id']}].purpose: unknown language de" in message, message
    assert "missing or not text: fr" in message

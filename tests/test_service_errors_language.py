"""Service errors people read come in their language: the French text from the catalogue, ``str(exc)`` English."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pochub.errors import PocHubError
from pochub.i18n import error_text
from pochub.services.access import parse_role
from pochub.services.allocation import parse_hours
from pochub.services.warning import parse_span


@pytest.mark.parametrize(
    ("call", "english", "french"),
    [
        (
            lambda: parse_role("warlord"),
            "unknown role 'warlord'; the roles are",
            "rôle inconnu 'warlord' ; les rôles",
        ),
        (
            lambda: parse_span("soon"),
            "'soon' is not a span such as 90d",
            "'soon' n'est pas une durée comme 90d",
        ),
        (
            lambda: parse_hours("later"),
            "'later' is not a duration such as 90m",
            "'later' n'est pas une durée comme",
        ),
        (
            lambda: parse_hours("0h"),
            "'0h': a standard must be longer than zero",
            "une norme doit être supérieure",
        ),
    ],
)
def test_service_errors_read_in_french(call: Callable[[], object], english: str, french: str) -> None:
    with pytest.raises(PocHubError) as raised:
        call()
    assert str(raised.value).startswith(english)
    assert error_text(raised.value, "en").startswith(english)
    assert french in error_text(raised.value, "fr")

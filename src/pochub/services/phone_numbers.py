"""A caller's phone number in one form: international (E.164), read with the mission's country for national
numbers ("081 000 0222" in the DRC is +243810000222), so that the same sender is recognised whichever way the
number was written, and an SMS gateway's numbers and a CLA's typed ones match."""

from __future__ import annotations

import phonenumbers

from pochub.core.text import N_
from pochub.errors import InvalidInput


def normalise_number(text: str, region: str = "") -> str:
    """``text`` as +<country><number>; a national number is read in ``region`` (a two-letter country such as
    CD). InvalidInput when it is not a possible number there, or national without a region to read it in."""
    try:
        number = phonenumbers.parse(text, region.upper() or None)
    except phonenumbers.NumberParseException:
        if not region and not text.strip().startswith(("+", "00")):
            raise InvalidInput(
                N_(
                    "a national phone number needs the mission's country (POCHUB_COUNTRY_CODE): give it with + and the country code"
                )
            ) from None
        raise InvalidInput(N_("this is not a phone number")) from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidInput(N_("this is not a possible phone number for its country"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

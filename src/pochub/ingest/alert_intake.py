"""Readers for the ways community alerts arrive: SMS gateway posts, RapidPro/TextIt webhooks, KoBo submissions.

Each reader turns one gateway request into a ``Report``. They are lenient about what they cannot use (an
unknown threat type is kept in the text, not a reason to lose the alert) and strict only about what an alert
cannot be without: a message. Errors name the field and the reason.

- SMS gateways post form-encoded fields; names differ by vendor: Twilio (From, Body, MessageSid),
  Africa's Talking (from, text, id, date), FrontlineSMS, Telerivet, SMSSync and generic relays
  (sender/from/phone/msisdn, message/body/text/content, id/message_id/sid, time/timestamp/date/sent_at).
- RapidPro and TextIt post JSON from a flow's webhook action (contact, results, input, run) or a plain
  message (text, urn, created_on); ``tel:`` URNs carry the number.
- KoBo's REST service posts a submission keyed by XLSForm names, possibly inside groups ("alert/description"),
  with ``_id``, ``_uuid``, ``_submission_time`` and ``_geolocation`` as [lat, lon] (GeoJSON's order is the other
  way round); an ODK geopoint is "lat lon altitude accuracy".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from typing import Any

from pochub.core.models.alerts import Channel, Report, Urgency
from pochub.core.models.taxonomy import ThreatType
from pochub.errors import InvalidInput

MAX_TEXT = 4000
MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_DELAY = timedelta(days=7)

SENDER_FIELDS = ("from", "sender", "phone", "phone_number", "msisdn", "from_number", "originator", "contact")
TEXT_FIELDS = ("body", "text", "message", "content", "msg", "sms")
ID_FIELDS = ("messagesid", "smssid", "sid", "message_id", "messageid", "id", "uuid", "external_id")
TIME_FIELDS = ("date", "time", "timestamp", "sent_at", "sent_timestamp", "received_at", "created_on")

KOBO_FIELDS: Mapping[str, tuple[str, ...]] = {
    "text": (
        "description",
        "message",
        "alert",
        "details",
        "text",
        "narrative",
        "what_happened",
        "alert_text",
    ),
    "threat_type": ("threat_type", "threat", "type_of_threat", "incident_type"),
    "urgency": ("urgency", "priority"),
    "pcode": ("pcode", "admin2_pcode", "adm2_pcode", "admin2pcode", "location_pcode", "admin1_pcode"),
    "location_text": ("village", "locality", "location_name", "place", "location", "community_name"),
    "sender_name": ("informant_name", "reporter_name", "sender_name", "name_of_informant"),
    "sender_number": ("informant_phone", "phone", "phone_number", "sender_number", "reporter_phone"),
    "alert_network": ("alert_network", "can", "network", "can_name"),
    "community_id": ("community_id", "community_code"),
    "geopoint": ("geopoint", "gps", "coordinates", "location_gps", "geolocation"),
}


def _field(fields: Mapping[str, Any], names: Iterable[str]) -> Any:
    """The first non-empty value among ``names``, matched case-insensitively."""
    lowered = {str(k).lower(): v for k, v in fields.items()}
    for name in names:
        value = lowered.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def _text(value: Any, field: str, source: str) -> str:
    """The message, required and bounded."""
    text = str(value).strip() if value is not None else ""
    if not text:
        raise InvalidInput(f"{source}: field {field!r}: the message is empty (an alert needs its text)")
    return text[:MAX_TEXT]


def sender_number(raw: Any) -> str | None:
    """The sender's number as the gateway gave it, without a URN scheme ('tel:+243...' -> '+243...').

    The service normalises it (pochub.services.protection) before encrypting it.
    """
    if raw in (None, ""):
        return None
    text = str(raw).strip()
    for scheme in ("tel:", "whatsapp:", "sms:"):
        text = text.removeprefix(scheme)
    return text[:64] or None


def received_time(raw: Any, now: datetime) -> datetime:
    """The gateway's time when it is plausible (not in the future, at most a week old), else now."""
    if raw in (None, ""):
        return now
    parsed: datetime | None = None
    try:
        number = float(raw)
        parsed = datetime.fromtimestamp(number / 1000 if number > 1e11 else number, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        try:
            parsed = datetime.fromisoformat(str(raw).strip().replace("Z", "+00:00"))
        except ValueError:
            return now
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if parsed > now + MAX_CLOCK_SKEW or parsed < now - MAX_DELAY:
        return now
    return min(parsed, now)


def threat_type_from(raw: Any) -> str | None:
    """A PoC threat type from a form's value ('abduction', 'Sexual violence'); None when it is not one."""
    if raw in (None, ""):
        return None
    key = str(raw).strip().lower().replace(" ", "_").replace("-", "_").replace("/", "_")
    for threat in ThreatType:
        if threat.value == key or threat.value.startswith(key) or threat.name.lower() == key:
            return threat.value
    return None


def urgency_from(raw: Any) -> Urgency | None:
    """An urgency from a form's value (immediate/high/routine, or urgent/medium/low); None when unknown."""
    if raw in (None, ""):
        return None
    key = str(raw).strip().lower()
    synonyms = {"urgent": "immediate", "critical": "immediate", "medium": "high", "low": "routine"}
    try:
        return Urgency(synonyms.get(key, key))
    except ValueError:
        return None


def _coordinate(latitude: Any, longitude: Any, source: str) -> tuple[float | None, float | None]:
    """Checked latitude and longitude, or (None, None) when absent."""
    if latitude in (None, "") or longitude in (None, ""):
        return None, None
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"{source}: field 'location': not a coordinate ({latitude!r}, {longitude!r})"
        ) from exc
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput(f"{source}: field 'location': ({lat}, {lon}) is outside -90..90 / -180..180")
    return lat, lon


def _fallback_id(*parts: Any) -> str:
    """A stable id for a post that carries none: the same post retried gets the same id."""
    return "h:" + sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]


def read_sms_form(fields: Mapping[str, Any], now: datetime) -> Report:
    """A report from an SMS gateway's form-encoded post."""
    text = _text(_field(fields, TEXT_FIELDS), "body/text/message", "sms")
    sender = sender_number(_field(fields, SENDER_FIELDS))
    received = received_time(_field(fields, TIME_FIELDS), now)
    external = _field(fields, ID_FIELDS)
    lat, lon = _coordinate(_field(fields, ("latitude", "lat")), _field(fields, ("longitude", "lon")), "sms")
    return Report(
        channel=Channel.SMS,
        external_id=str(external)[:128]
        if external
        else _fallback_id(sender, text, _field(fields, TIME_FIELDS)),
        received_at=received,
        text=text,
        sender_number=sender,
        latitude=lat,
        longitude=lon,
        alert_network=str(_field(fields, ("network", "alert_network", "to", "shortcode")) or "")[:120],
    )


def read_rapidpro(payload: Mapping[str, Any], now: datetime) -> Report:
    """A report from a RapidPro/TextIt flow webhook, or a plain RapidPro message."""
    if not isinstance(payload, Mapping):
        raise InvalidInput("rapidpro: the body must be a JSON object")
    contact = _mapping(payload.get("contact"))
    message = _mapping(payload.get("input")) or payload
    results = _mapping(payload.get("results"))

    def result(*names: str) -> Any:
        for name in names:
            value = results.get(name)
            if isinstance(value, Mapping) and value.get("value") not in (None, ""):
                return value.get("value")
        return None

    text_value = message.get("text") or result("message", "alert", "description", "text")
    text = _text(text_value, "input.text", "rapidpro")
    urn = message.get("urn") or contact.get("urn") or _first_urn(contact.get("urns"))
    run = _mapping(payload.get("run"))
    external = run.get("uuid") or message.get("uuid") or message.get("id") or payload.get("id")
    created = message.get("created_on") or run.get("created_on")
    channel = _mapping(payload.get("channel"))
    flow = _mapping(payload.get("flow"))
    return Report(
        channel=Channel.RAPIDPRO,
        external_id=str(external)[:128] if external else _fallback_id(urn, text, created),
        received_at=received_time(created, now),
        text=text,
        sender_name=(str(contact.get("name")).strip() or None) if contact.get("name") else None,
        sender_number=sender_number(urn),
        pcode=_pcode(result("pcode", "admin2_pcode", "location_pcode")),
        location_text=str(result("location", "village", "locality") or "")[:300],
        threat_type=threat_type_from(result("threat_type", "threat")),
        urgency=urgency_from(result("urgency")),
        alert_network=str(channel.get("name") or flow.get("name") or "")[:120],
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def _first_urn(urns: Any) -> Any:
    if isinstance(urns, list) and urns:
        return urns[0]
    return None


def _pcode(raw: Any) -> str | None:
    """A P-code as given (trimmed, upper case), or None."""
    if raw in (None, ""):
        return None
    value = str(raw).strip().upper()
    return value[:32] if value else None


def _flatten(submission: Mapping[str, Any]) -> dict[str, Any]:
    """KoBo keys without their group path ('alert/description' -> 'description'); the first one wins."""
    flat: dict[str, Any] = {}
    for key, value in submission.items():
        short = str(key).rsplit("/", 1)[-1].lower()
        flat.setdefault(short, value)
    return flat


def _kobo_location(flat: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """From ``_geolocation`` ([lat, lon]) or an ODK geopoint string ('lat lon alt acc')."""
    geolocation = flat.get("_geolocation")
    if isinstance(geolocation, list) and len(geolocation) >= 2 and None not in geolocation[:2]:
        return _coordinate(geolocation[0], geolocation[1], "kobo")
    point = _field(flat, KOBO_FIELDS["geopoint"])
    if isinstance(point, str) and len(point.split()) >= 2:
        lat, lon = point.split()[:2]
        return _coordinate(lat, lon, "kobo")
    return None, None


def read_kobo(submission: Mapping[str, Any], now: datetime) -> Report:
    """A report from a KoBo (or ODK Central) REST-service submission."""
    if not isinstance(submission, Mapping):
        raise InvalidInput("kobo: the body must be a JSON object (one submission)")
    flat = _flatten(submission)
    text = _text(_field(flat, KOBO_FIELDS["text"]), "description/message", "kobo")
    external = flat.get("_uuid") or flat.get("instanceid") or flat.get("_id")
    lat, lon = _kobo_location(flat)
    name = _field(flat, KOBO_FIELDS["sender_name"])
    return Report(
        channel=Channel.KOBO,
        external_id=str(external)[:128] if external else _fallback_id(text, flat.get("_submission_time")),
        received_at=received_time(flat.get("_submission_time") or flat.get("end"), now),
        text=text,
        sender_name=str(name).strip()[:200] if name else None,
        sender_number=sender_number(_field(flat, KOBO_FIELDS["sender_number"])),
        latitude=lat,
        longitude=lon,
        pcode=_pcode(_field(flat, KOBO_FIELDS["pcode"])),
        location_text=str(_field(flat, KOBO_FIELDS["location_text"]) or "")[:300],
        community_id=str(_field(flat, KOBO_FIELDS["community_id"]) or "")[:64] or None,
        threat_type=threat_type_from(_field(flat, KOBO_FIELDS["threat_type"])),
        urgency=urgency_from(_field(flat, KOBO_FIELDS["urgency"])),
        alert_network=str(_field(flat, KOBO_FIELDS["alert_network"]) or "")[:120],
    )

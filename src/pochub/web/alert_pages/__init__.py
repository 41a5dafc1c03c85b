"""The alert pages: the inbox of the user's area, the form a CLA logs a call with, and one alert's page with the
actions the user's role may take in its state.

Everything is rendered on the server and posted as plain forms (a field office's connection may drop the
scripts); the services decide what a user may see and do: the list is scoped to the user's area, sender
details come only for need-to-know roles, and every action goes through ``services.alerts.act``, whose
refusals (403 role, 409 state, 422 content) are shown in the page in the user's language.

One module per use case, each with its router, mounted here in this order: ``inbox`` (the inbox, its query and
the live desk the open pages poll), ``intake`` (logging an alert: the form) and ``alert`` (one alert's page and its
actions); ``common`` (the forms' codes, the structure's names, the refusal page) serves them. No module of the
package imports this one.
"""

from fastapi import APIRouter

from pochub.web.alert_pages import alert, inbox, intake
from pochub.web.alert_pages.alert import read_action
from pochub.web.alert_pages.inbox import InboxQuery, read_inbox_query
from pochub.web.alert_pages.intake import check_new_alert

router = APIRouter(include_in_schema=False)
for pages in (inbox, intake, alert):
    router.include_router(pages.router)

__all__ = ["InboxQuery", "check_new_alert", "read_action", "read_inbox_query", "router"]

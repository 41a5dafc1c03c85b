"""Languages of the web application: gettext catalogues (Babel) compiled when first used, and the user's choice.

The catalogues are the ``.po`` files under ``web/locale``, loaded by :mod:`pochub.i18n` (the generated documents
use the same ones); they are compiled in memory (no build step, nothing to forget to regenerate). The language
comes from the ``pochub_lang`` cookie the selector sets, else from the browser's ``Accept-Language``, else English
(:mod:`pochub.http.language`, which the API's errors and documents follow too).

After changing a page's strings, extract them and merge them into both catalogues, then translate what is new
(tests/web/test_i18n.py and tests/core/test_documents_i18n.py fail while any string of a page or of a generated
document lacks its English or French text)::

    pybabel extract -F src/pochub/web/babel.cfg -o src/pochub/web/locale/messages.pot --no-wrap .
    pybabel update -i src/pochub/web/locale/messages.pot -d src/pochub/web/locale --no-wrap
"""

from __future__ import annotations

from pochub.http.language import LANGUAGE_COOKIE, accepted_languages, choose_language
from pochub.i18n import DEFAULT_LANGUAGE, LANGUAGES, LOCALE_DIR, catalogue_path, translations

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_COOKIE",
    "LOCALE_DIR",
    "accepted_languages",
    "catalogue_path",
    "choose_language",
    "translations",
]

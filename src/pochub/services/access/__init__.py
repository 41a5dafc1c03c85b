"""Users, sign-in, sessions and tokens; areas of responsibility from the coordination structure.

Passwords are hashed with Argon2id (argon2-cffi); web sessions and API tokens are random secrets of which only
the SHA-256 is stored, so a copy of the database signs nobody in. Field officers and Community Liaison
Assistants see their field office's area of responsibility: the P-codes stored on the user, else those of
their field office in the current structure (so a re-drawn structure re-scopes its users). Every user
creation, every sign-in and every failed sign-in, every token issued or revoked and every password change is
audited with the client's address; passwords and secrets never reach the log.

Passwords are at least ``MIN_PASSWORD_LENGTH`` characters and refused when zxcvbn (with its list of the 30,000
most common passwords) finds them easy to guess. Failed sign-ins slow down, never lock: after a few failures
for one name, or from one address, the next attempt must wait a delay that doubles with each failure up to
``MAX_SIGN_IN_DELAY``; the owner who waits gets in, and signing in from an address the account used before is
never held back by failures from elsewhere. Unknown names get exactly the same answers and the same work.

One module per use case, this package re-exporting their public names (``access.create_user``,
``access.authenticate``): ``users`` (create, read, list, deactivate), ``passwords`` (the policy, hashing, changing
and resetting), ``throttle`` (the wait after failed sign-ins), ``sign_in`` (a name and a password), ``credentials``
(sessions and API tokens) and ``refusals`` (403 answers audited), sharing ``common`` (the moment, a secret's
digest). ``PASSWORD_HASHER`` is read from ``passwords`` when hashing: swap it there. No module of the package
imports this one.
"""

from pochub.services.access.common import hash_secret
from pochub.services.access.credentials import (
    CredentialKind,
    CredentialRecord,
    issue_credential,
    list_credentials,
    revoke_credential,
    revoke_credential_id,
    token_lifetime,
    user_for_secret,
)
from pochub.services.access.passwords import (
    MIN_PASSWORD_LENGTH,
    MIN_PASSWORD_SCORE,
    PASSWORD_HASHER,
    change_password,
    check_password,
    reset_password,
)
from pochub.services.access.refusals import record_refusal
from pochub.services.access.sign_in import authenticate
from pochub.services.access.throttle import (
    FAILED_LOGIN_WINDOW,
    FREE_ACCOUNT_FAILURES,
    FREE_ADDRESS_FAILURES,
    KNOWN_ADDRESS_DAYS,
    MAX_SIGN_IN_DELAY,
    SignInThrottled,
)
from pochub.services.access.users import (
    UserRecord,
    create_user,
    deactivate_user,
    field_office_areas,
    get_user,
    list_users,
    parse_role,
)

__all__ = [
    "FAILED_LOGIN_WINDOW",
    "FREE_ACCOUNT_FAILURES",
    "FREE_ADDRESS_FAILURES",
    "KNOWN_ADDRESS_DAYS",
    "MAX_SIGN_IN_DELAY",
    "MIN_PASSWORD_LENGTH",
    "MIN_PASSWORD_SCORE",
    "PASSWORD_HASHER",
    "CredentialKind",
    "CredentialRecord",
    "SignInThrottled",
    "UserRecord",
    "authenticate",
    "change_password",
    "check_password",
    "create_user",
    "deactivate_user",
    "field_office_areas",
    "get_user",
    "hash_secret",
    "issue_credential",
    "list_credentials",
    "list_users",
    "parse_role",
    "record_refusal",
    "reset_password",
    "revoke_credential",
    "revoke_credential_id",
    "token_lifetime",
    "user_for_secret",
]

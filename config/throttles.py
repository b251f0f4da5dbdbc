"""Rate limits on signing in and signing up, for the API and the pages alike.

Two limits, because a school's pupils reach the platform from one address: signing in to one account from
one address (AUTH_THROTTLE_RATE, tight: password guessing) and everything from one address
(AUTH_ADDRESS_THROTTLE_RATE, loose enough for a whole school signing in at the start of a lesson: probing
many accounts). Both count in Django's cache and share their counts between the API and the pages.

Entering a join code is limited too (JOIN_CODE_THROTTLE_RATE), per account, also shared by the API and the
page: a code is a class's key, and guessing one would open it. So are the links that reset a forgotten
password (PASSWORD_RESET_THROTTLE_RATE), per e-mail address.
"""

import hashlib
import unicodedata
from collections.abc import Mapping

from rest_framework.throttling import SimpleRateThrottle


class AccountThrottle(SimpleRateThrottle):
    """Tries at one account's password from one client address: signing in (the username sent, read as
    authentication reads it, and case-folded) or, signed in, confirming it (deleting the account): the same
    count either way."""

    scope = "auth"

    def get_cache_key(self, request, view) -> str:
        data = request.data if hasattr(request, "data") else request.POST  # an API request, or a page's
        username = str(data.get("username", "")) if isinstance(data, Mapping) else ""
        if not username and request.user.is_authenticated:
            username = request.user.get_username()
        # As authentication reads it (the form strips it and NFKC-normalises it, the API strips it), so
        # that " bob", "bob " and "bob" in full-width letters count against bob's one limit.
        username = unicodedata.normalize("NFKC", username.strip()).casefold()
        # Hashed: a username sent may be long or hold any character, which no cache key should.
        account = hashlib.sha256(username.encode(errors="surrogatepass")).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": f"{self.get_ident(request)}:{account}"}


class AddressThrottle(SimpleRateThrottle):
    """Sign-ins and sign-ups, to any account, from one client address."""

    scope = "auth-address"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class JoinCodeThrottle(SimpleRateThrottle):
    """Join codes tried by one account, right or wrong (``POST /api/v1/courses/join/`` and the /join/ page):
    per account, not per address, because a whole class types the code from one school's address at once."""

    scope = "join-code"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class ResetEmailThrottle(SimpleRateThrottle):
    """Password reset links asked for one e-mail address, from anywhere (``POST /api/v1/auth/password-reset/``
    and the page): so that nobody fills someone's mailbox with them."""

    scope = "password-reset"

    def get_cache_key(self, request, view) -> str:
        data = request.data if hasattr(request, "data") else request.POST
        email = str(data.get("email", "")) if isinstance(data, Mapping) else ""
        address = hashlib.sha256(email.strip().casefold().encode(errors="surrogatepass")).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": address}


def over_limit(request, *throttles: type[SimpleRateThrottle]) -> int | None:
    """For a page's request (counted): the seconds to wait when it is over one of these limits, else None."""
    for throttle in (throttle_class() for throttle_class in throttles):
        if not throttle.allow_request(request, None):
            return max(1, round(throttle.wait() or 1))
    return None

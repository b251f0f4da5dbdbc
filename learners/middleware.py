"""A pupil with a temporary password chooses their own before any other page (learners.classroom)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import urlencode

from learners.classroom import must_choose_password

# The pages open to them: choosing the password, and signing out (of the site or of the admin).
OPEN_PAGES = ("learners:choose-password", "logout", "admin:logout")


class ChooseOwnPasswordMiddleware:
    """Send every page an account with a temporary password asks for to the page where they choose their
    own, except that page, signing out and static files. The API (``/api/``) is left to
    ``learners.permissions.PasswordChosen``, which also sees accounts signed in with a token, and answers
    in JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.exempt(request) and request.user.is_authenticated and must_choose_password(request.user):
            return redirect(self.choose_password_page(request))
        return self.get_response(request)

    @staticmethod
    def choose_password_page(request: HttpRequest) -> str:
        """The page where they choose, told (``next``, as signing in is) to go on afterwards to the page they
        asked for: a join code's link keeps its code. Not for a form sent, which a redirect cannot send again,
        nor for the course list, where signing in sends everyone: the pupil's course is better then."""
        page = reverse("learners:choose-password")
        if request.method in ("GET", "HEAD") and request.path != resolve_url(settings.LOGIN_REDIRECT_URL):
            page = f"{page}?{urlencode({'next': request.get_full_path()})}"
        return page

    @staticmethod
    def exempt(request: HttpRequest) -> bool:
        # Checked before the account is looked up: the API and static files cost no query here.
        if request.path_info.startswith("/api/") or request.path.startswith(settings.STATIC_URL):
            return True
        return request.path in {reverse(name) for name in OPEN_PAGES}

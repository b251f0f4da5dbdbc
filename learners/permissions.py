"""The API's permission that keeps it closed to an account with a temporary password (learners.classroom)."""

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.reverse import reverse

from learners.classroom import must_choose_password

CHOOSE_FIRST = (
    "Choose your own password first: sign in on the site ({}) with the temporary password your teacher gave "
    "you, and choose your own on the page that opens (or POST it to /api/v1/account/password/). Then sign in "
    "here with your own password."
)


class PasswordChosen(BasePermission):
    """Refuse (403) an account whose password is a temporary one a teacher gave it, however it signed in
    (a token or a session), until its owner chooses their own on the site. A default permission
    (``REST_FRAMEWORK``), which views that name their own permissions list too; signing in and out
    (``auth/token/``) and signing up do not."""

    def has_permission(self, request: Request, view: object) -> bool:
        if not (request.user and request.user.is_authenticated and must_choose_password(request.user)):
            return True
        self.message = CHOOSE_FIRST.format(reverse("login", request=request))
        return False

"""The REST API's routes under /api/v1/.

Every route takes its trailing slash or not: a client that POSTs to ``/api/v1/attempts`` is served, not
redirected (a redirect cannot carry a POST's body, so Django would refuse it). Reversed URLs lose the
slash; the OpenAPI description keeps it.
"""

from django.urls import re_path
from rest_framework.routers import DefaultRouter

from courses.api import CourseViewSet, OverrideViewSet
from learners.api import (
    AccountDeleteView,
    AccountView,
    AttemptViewSet,
    EmailChangeCancelView,
    EmailChangeView,
    EmailLinkResendView,
    PasswordChangeView,
    PasswordResetView,
    RegisterView,
    TokenView,
)
from metamodel.api import ModelVersionViewSet, TrainingRunViewSet

router = DefaultRouter()
router.trailing_slash = "/?"  # the constructor only switches the slash on or off
router.register("courses", CourseViewSet, basename="course")
router.register("attempts", AttemptViewSet, basename="attempt")
router.register("overrides", OverrideViewSet, basename="override")
router.register("training-runs", TrainingRunViewSet, basename="training-run")
router.register("model-versions", ModelVersionViewSet, basename="model-version")

urlpatterns = [
    re_path(r"^auth/register/?$", RegisterView.as_view(), name="api-register"),
    re_path(r"^auth/token/?$", TokenView.as_view(), name="api-token"),
    re_path(r"^auth/password-reset/?$", PasswordResetView.as_view(), name="api-password-reset"),
    re_path(r"^account/?$", AccountView.as_view(), name="api-account"),
    re_path(r"^account/delete/?$", AccountDeleteView.as_view(), name="api-account-delete"),
    re_path(r"^account/password/?$", PasswordChangeView.as_view(), name="api-account-password"),
    re_path(r"^account/email/?$", EmailChangeView.as_view(), name="api-account-email"),
    re_path(r"^account/email/resend/?$", EmailLinkResendView.as_view(), name="api-account-email-resend"),
    re_path(r"^account/email/cancel/?$", EmailChangeCancelView.as_view(), name="api-account-email-cancel"),
    *router.urls,
]

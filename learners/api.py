"""Learner endpoints: registration, tokens, the caller's account and the attempt log."""

from contextlib import suppress
from datetime import UTC, datetime

import django_filters
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import PermissionDenied, Throttled, ValidationError
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from config.filters import StrictBooleanFilter
from config.schema import CREATED_LOCATION, error_response, field_errors_response
from config.throttles import AccountThrottle, AddressThrottle, ResetEmailThrottle
from courses.api import visible_courses
from learners.accounts import (
    CannotErase,
    TooManyLinks,
    account_data,
    cancel_email_change,
    change_email,
    confirm_hours,
    erase_account,
    pending_email_of,
    send_confirmation_link,
)
from learners.classroom import choose_own_password
from learners.forms import send_reset_links
from learners.models import IMPORTED, Attempt, PendingEmail, named
from learners.permissions import PasswordChosen
from learners.serializers import (
    AccountDataSerializer,
    AccountDeleteSerializer,
    AccountEmailSerializer,
    AttemptCreateSerializer,
    AttemptResultSerializer,
    AttemptSerializer,
    EmailChangedSerializer,
    EmailChangeSerializer,
    PasswordChangeSerializer,
    PasswordResetSerializer,
    RegisterSerializer,
    TokenSerializer,
)
from learners.services import (
    AttemptRefused,
    IdempotencyConflict,
    learner_for,
    record_attempt,
    register_student,
)

THROTTLED = error_response(
    "Too many sign-ins to this account from this address (AUTH_THROTTLE_RATE, 10 a minute by "
    "default), or sign-ins and sign-ups from this address (AUTH_ADDRESS_THROTTLE_RATE, 300 a minute); the "
    "Retry-After header gives the seconds to wait."
)


def _token_of(user: AbstractBaseUser) -> dict:
    """The account's API token (made the first time) and its username, as signing up and in answer them."""
    token, _ = Token.objects.get_or_create(user=user)
    return {"token": token.key, "username": user.get_username()}


class RegisterView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AddressThrottle]

    @extend_schema(
        request=RegisterSerializer,
        responses={
            201: TokenSerializer,
            400: field_errors_response("Field errors."),
            403: error_response("Registration is closed (REGISTRATION_OPEN is false)."),
            429: THROTTLED,
        },
        description="Create a student account and return its API token. Off when REGISTRATION_OPEN is false. "
        "An `email` waits to be confirmed: a link is e-mailed to it, and it becomes the account's address, "
        "where reset links go, once opened (`GET /api/v1/account/email/` shows it waiting). Beyond the limit "
        "of links to one address (PASSWORD_RESET_THROTTLE_RATE) the account is made and no link is sent: "
        "`POST /api/v1/account/email/` with the same address sends it later.",
    )
    def post(self, request: Request) -> Response:
        if not settings.REGISTRATION_OPEN:
            raise PermissionDenied("Registration is closed on this platform.")
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        learner = register_student(**serializer.validated_data)
        if pending := pending_email_of(learner.user):
            # Over the limit, the address waits without a link: the account is made all the same.
            with suppress(TooManyLinks):
                send_confirmation_link(request, pending)
        return Response(_token_of(learner.user), status=status.HTTP_201_CREATED)


class TokenView(ObtainAuthToken):
    """Exchange a username and password for the account's API token."""

    # ObtainAuthToken brings its own parsers (forms and multipart too): the API's instead.
    parser_classes = APIView.parser_classes
    throttle_classes = [AccountThrottle, AddressThrottle]

    def get_throttles(self) -> list:
        return super().get_throttles() if self.request.method == "POST" else []

    def get_permissions(self) -> list[BasePermission]:
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: TokenSerializer, 429: THROTTLED},
        description="The account's API token (made the first time), and its username as registration "
        "returns them.",
    )
    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(_token_of(serializer.validated_data["user"]))

    @extend_schema(
        request=None,
        responses={204: None},
        description="Revoke the caller's API token (a sign-out): it no longer authenticates; POST makes a "
        "new one. A new password for the account revokes it too.",
    )
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(APIView):
    """A link to reset a forgotten password, e-mailed as the site's "Forgotten your password?" page does."""

    permission_classes = [AllowAny]
    throttle_classes = [AddressThrottle, ResetEmailThrottle]

    @extend_schema(
        request=PasswordResetSerializer,
        responses={
            202: inline_serializer("ResetLinkSent", {"detail": serializers.CharField()}),
            400: field_errors_response("No e-mail address, or not one."),
            429: error_response(
                "Too many links asked for this e-mail address (PASSWORD_RESET_THROTTLE_RATE, 3 an hour by "
                "default) or too many requests from this client address (AUTH_ADDRESS_THROTTLE_RATE); the "
                "Retry-After header gives the seconds to wait."
            ),
        },
        description="E-mail each active account with this address a link to the site's page where its owner "
        "chooses a new password (it works once, within PASSWORD_RESET_HOURS hours). The answer is the same "
        "whether an account has the address or not, so that it does not tell who has an account; an account "
        "with no e-mail address gets a new password from a teacher (`POST "
        "/api/v1/courses/{slug}/class/{learner}/password/`).",
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        send_reset_links(request, serializer.validated_data["email"])
        detail = "If an account has this e-mail address, a link to choose a new password is on its way to it."
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


class AccountView(APIView):
    """The caller's own account: everything kept about them (learners.accounts)."""

    permission_classes = [IsAuthenticated, PasswordChosen]

    @extend_schema(
        responses={200: AccountDataSerializer},
        description="Everything the platform keeps about the caller as a learner: the account (its confirmed "
        "`email` and a new one waiting to be confirmed, `pending_email`), enrollments, "
        "every answer, every exercise the engine chose with its reasons and predictions, progress, the "
        "engine's adapted parameters and teachers' overrides about them (a data protection request).",
    )
    def get(self, request: Request) -> Response:
        return Response(AccountDataSerializer(account_data(request.user)).data)


class PasswordChangeView(APIView):
    """The caller replaces their own password (learners.classroom.choose_own_password)."""

    # Not PasswordChosen: this is where a pupil with a teacher's temporary password chooses their own.
    permission_classes = [IsAuthenticated]
    # The password is asked for: as many tries as signing in to the account.
    throttle_classes = [AccountThrottle]

    @extend_schema(
        request=PasswordChangeSerializer,
        responses={
            200: TokenSerializer,
            400: field_errors_response("No password or not the account's; a new password the rules refuse."),
            429: THROTTLED,
        },
        description="Replace the caller's password, the one they sign in with now confirming it; a pupil "
        "signed in with a teacher's temporary password chooses their own here too. The account's API token "
        "and every other session stop working; the answer is the account's new token.",
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        choose_own_password(request.user, serializer.validated_data["new_password"])
        return Response(_token_of(request.user))


class ConfirmedByPasswordView(APIView):
    """A change to the caller's account that its password confirms: as many tries as signing in to it."""

    permission_classes = [IsAuthenticated, PasswordChosen]
    throttle_classes = [AccountThrottle]


def _email_of(user: AbstractBaseUser, pending: PendingEmail | None) -> dict:
    """The account's confirmed e-mail address and the new one waiting (AccountEmailSerializer), as the
    caller has just read or written it."""
    return {"email": user.email, "pending_email": pending}


class EmailChangeView(ConfirmedByPasswordView):
    """The caller's e-mail address, where password reset links go (``POST /api/v1/auth/password-reset/``)."""

    def get_throttles(self) -> list:
        return super().get_throttles() if self.request.method == "POST" else []  # POST asks the password

    @extend_schema(
        responses={200: AccountEmailSerializer},
        description="The caller's e-mail address, confirmed (where links to reset a forgotten password go), "
        "and a new one waiting for its owner to open the link sent to it (`pending_email`, null when none).",
    )
    def get(self, request: Request) -> Response:
        return Response(AccountEmailSerializer(_email_of(request.user, pending_email_of(request.user))).data)

    @extend_schema(
        request=EmailChangeSerializer,
        responses={
            200: EmailChangedSerializer,
            400: field_errors_response("No password or not the account's; not an e-mail address."),
            429: error_response(
                "Too many tries at the account's password (AUTH_THROTTLE_RATE), or too many links sent to "
                "this address, counted with the reset links to it (PASSWORD_RESET_THROTTLE_RATE, 3 an hour "
                "by default): nothing changed; the Retry-After header gives the seconds to wait."
            ),
        },
        description="Change or remove the caller's e-mail address, the account's password confirming it. A "
        "new address is not used at once: it waits (`pending_email`) and a link is e-mailed to it; opening "
        "the link (a page on the site, within EMAIL_CONFIRM_HOURS, 24) makes it the account's `email`, where "
        "links to reset a forgotten password go, and the address it had gets a notice then. Until then, "
        "reset links go to the address it has. Sending the address waiting again sends its link again; "
        "sending the address the account has cancels the one waiting; an empty `email` removes the address "
        "at once (with a notice to it) and cancels any waiting.",
    )
    def post(self, request: Request) -> Response:
        serializer = EmailChangeSerializer(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        try:
            pending = change_email(request, serializer.validated_data["email"])
        except TooManyLinks as refused:
            raise Throttled(refused.wait, "Too many links sent to this address; nothing changed.") from None
        user = request.user
        if pending is not None:
            detail = _link_on_its_way(user, pending)
        elif user.email:
            detail = f"Links to reset a forgotten password go to {user.email}."
        else:
            detail = "The account has no e-mail address now: a teacher gives it a new password if forgotten."
        # change_email returns the address waiting, or None when the change took effect and none waits.
        return Response(EmailChangedSerializer({**_email_of(user, pending), "detail": detail}).data)


def _link_on_its_way(user: AbstractBaseUser, pending: PendingEmail) -> str:
    """What sending the link to a waiting address did, and where reset links go meanwhile."""
    until = f"reset links go to {user.email}" if user.email else "the account has no address for them"
    return (
        f"A link is on its way to {pending.email}: it becomes the account's address once the link is "
        f"opened, within {confirm_hours()} hours. Until then, {until}."
    )


NOTHING_WAITING = "No new e-mail address is waiting to be confirmed."


class EmailLinkResendView(APIView):
    """The link that confirms the caller's new address, sent again (the account page's "Send the link
    again"): no password asked, since it changes nothing but what the waiting address receives."""

    permission_classes = [IsAuthenticated, PasswordChosen]

    @extend_schema(
        request=None,
        responses={
            200: EmailChangedSerializer,
            409: error_response(NOTHING_WAITING),
            429: error_response(
                "Too many links sent to this address, counted with the reset links to it "
                "(PASSWORD_RESET_THROTTLE_RATE, 3 an hour by default): nothing sent; the Retry-After header "
                "gives the seconds to wait."
            ),
        },
        description="E-mail the link that confirms the caller's new address (`pending_email`) again: a link "
        "that did not arrive, or one that expired (EMAIL_CONFIRM_HOURS). Each link sent works until it "
        "expires or the address stops waiting.",
    )
    def post(self, request: Request) -> Response:
        pending = pending_email_of(request.user)
        if pending is None:
            return Response({"detail": NOTHING_WAITING}, status=status.HTTP_409_CONFLICT)
        try:
            send_confirmation_link(request, pending)
        except TooManyLinks as refused:
            raise Throttled(refused.wait, "Too many links sent to this address; nothing sent.") from None
        detail = _link_on_its_way(request.user, pending)
        return Response(EmailChangedSerializer({**_email_of(request.user, pending), "detail": detail}).data)


class EmailChangeCancelView(APIView):
    """The caller's new address, waiting to be confirmed, dropped (the account page's "Cancel this
    change"): its links confirm nothing any more."""

    permission_classes = [IsAuthenticated, PasswordChosen]

    @extend_schema(
        request=None,
        responses={200: EmailChangedSerializer},
        description="Drop the caller's new address waiting to be confirmed (`pending_email`): the links sent "
        "to it no longer confirm it, and reset links go on to the account's `email`. With none waiting, "
        "nothing changes and the answer says so.",
    )
    def post(self, request: Request) -> Response:
        user = request.user
        cancelled = cancel_email_change(user)
        keeps = (
            f"links to reset a forgotten password still go to {user.email}"
            if user.email
            else "the account has no e-mail address"
        )
        detail = f"The change to {cancelled.email} is cancelled: {keeps}." if cancelled else NOTHING_WAITING
        return Response(EmailChangedSerializer({**_email_of(user, None), "detail": detail}).data)


class AccountDeleteView(ConfirmedByPasswordView):
    """The caller's account erased with everything kept about them (learners.accounts)."""

    @extend_schema(
        request=AccountDeleteSerializer,
        responses={
            204: None,
            400: field_errors_response("No password, or not the account's."),
            403: error_response("A staff account, or deletion turned off (ACCOUNT_DELETION_OPEN=0)."),
            429: THROTTLED,
        },
        description="Delete the caller's account and everything kept about them, at once and for good; the "
        "account's password confirms it. Its token stops working.",
    )
    def post(self, request: Request) -> Response:
        serializer = AccountDeleteSerializer(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        try:
            erase_account(request.user)
        except CannotErase as refused:
            raise PermissionDenied(str(refused)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttemptFilter(django_filters.FilterSet):
    course = django_filters.CharFilter(field_name="course__slug")
    exercise = django_filters.CharFilter(field_name="exercise__key")
    learner = django_filters.CharFilter(
        method="filter_learner",
        help_text=f"The learner as `learner` names them: a username, or `{IMPORTED}<external id>` (or the "
        "external id alone) for a learner imported from a log.",
    )
    correct = StrictBooleanFilter()
    since = django_filters.IsoDateTimeFilter(method="filter_since")
    ordering = django_filters.ChoiceFilter(
        choices=[("created_at", "oldest first"), ("-created_at", "newest first")],
        method="filter_ordering",
        help_text="`-created_at` (newest first, the default) or `created_at` (oldest first: with `since`, "
        "a client reads new attempts in the order they came).",
    )

    class Meta:
        model = Attempt
        fields = ["course", "exercise", "learner", "correct", "source", "since", "ordering"]

    def filter_ordering(self, queryset: QuerySet[Attempt], name: str, value: str) -> QuerySet[Attempt]:
        return queryset.order_by(value, "id" if value == "created_at" else "-id")

    def filter_learner(self, queryset: QuerySet[Attempt], name: str, value: str) -> QuerySet[Attempt]:
        return queryset.filter(named(value, through="learner__"))

    def filter_since(self, queryset: QuerySet[Attempt], name: str, value: datetime) -> QuerySet[Attempt]:
        # ISO 8601 allows offsets PostgreSQL refuses (beyond ±15:59); the same instant in UTC is fine, where
        # there is one: 9999-12-31T23:59:59-23:59 is after the last datetime Python has.
        try:
            since = value.astimezone(UTC)
        except OverflowError as error:
            raise ValidationError(
                {"since": ["Enter a date and time between years 1 and 9999 in UTC."]}
            ) from error
        return queryset.filter(created_at__gte=since)


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="A unique key per answer (e.g. a UUID). Retrying with the same key and body (every field "
    "of it) returns the stored result, with the `next` recommendation made then: once you have answered "
    "since, it is out of date, and GET …/next/ gives the current one. The same key with another body is "
    "refused with 422.",
)


class AttemptViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Your attempts; teachers also see their learners' attempts in the courses they teach."""

    serializer_class = AttemptSerializer
    filterset_class = AttemptFilter

    def get_queryset(self) -> QuerySet[Attempt]:
        user = self.request.user
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular builds the schema anonymously
            return Attempt.objects.none()
        attempts = Attempt.objects.select_related("learner__user", "course", "exercise").order_by(
            "-created_at", "-id"
        )
        if user.is_superuser:
            return attempts
        mine = Q(learner__user=user)
        if user.is_staff:
            mine |= Q(course__teachers=user)
        return attempts.filter(mine).distinct()

    @extend_schema(
        request=AttemptCreateSerializer,
        parameters=[IDEMPOTENCY_KEY, CREATED_LOCATION],
        responses={
            201: AttemptResultSerializer,
            200: OpenApiResponse(AttemptResultSerializer, description="A retry: the stored result."),
            400: field_errors_response("Field errors."),
            422: field_errors_response("The idempotency key was used for another request."),
        },
    )
    def create(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 200:
            raise ValidationError(
                {"Idempotency-Key": ["Required header: a unique key of at most 200 characters."]}
            )
        serializer = AttemptCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        course = visible_courses(request.user).filter(slug=data["course"]).first()
        if course is None:
            raise ValidationError({"course": [f"No course '{data['course']}'."]})
        try:
            result = record_attempt(
                learner_for(request.user),
                course,
                data["exercise"],
                data["response"],
                source=Attempt.Source.API,
                idempotency_key=key,
                recommendation_id=data.get("recommendation"),
                hints_used=data["hints_used"],
                duration_ms=data.get("duration_ms"),
            )
        except AttemptRefused as error:
            raise ValidationError({error.field: [error.message]}) from error
        except IdempotencyConflict:
            return Response(
                {"Idempotency-Key": ["This key was already used for a different request."]},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        body = AttemptResultSerializer(result).data
        if result.replayed:
            return Response(body, status=status.HTTP_200_OK)
        where = reverse("attempt-detail", args=[result.attempt.pk], request=request)
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": where})

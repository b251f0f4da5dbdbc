"""Course endpoints: catalogue, detail, import, and the learner's enrol / next / progress actions."""

import math
from dataclasses import asdict
from typing import Any

import django_filters
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.template.defaultfilters import pluralize
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from config.filters import StrictBooleanFilter
from config.schema import CREATED_LOCATION, error_response, field_errors_response
from config.throttles import JoinCodeThrottle
from courses.documents import CourseDocumentError, parse_course_bytes
from courses.mastery import learner_report, learner_rows
from courses.models import Course, Override
from courses.serializers import (
    ClassEnrollmentSerializer,
    ClassEnrollSerializer,
    ClassLearnerDetailSerializer,
    ClassLearnerSerializer,
    CourseDetailSerializer,
    CourseDocumentSerializer,
    CourseDocumentUploadSerializer,
    CourseSerializer,
    ImportOptionsSerializer,
    ImportResultSerializer,
    JoinCodeChangeSerializer,
    JoinCodesCreatedSerializer,
    JoinCodesCreateSerializer,
    JoinCodeSerializer,
    JoinSerializer,
    OverrideEndSerializer,
    OverrideSerializer,
    RemarkingSerializer,
    TemporaryPasswordSerializer,
)
from courses.services import (
    JoinCodeConflict,
    add_override,
    change_join_code,
    create_first_join_codes,
    document_too_large,
    end_override,
    export_course,
    import_course,
    import_refusal,
    joining_words,
)
from courses.teachers import teaches
from learners.classroom import (
    AccountNotDeleted,
    ClassListRefused,
    PasswordNotGiven,
    delete_unused_account,
    enroll_class_creating_accounts,
    give_temporary_password,
)
from learners.models import Enrollment, Learner, named
from learners.progress import course_progress
from learners.serializers import NextExerciseSerializer, ProgressSerializer
from learners.services import (
    EnrollmentClosed,
    JoinCodeRefused,
    NotEnrolled,
    enroll_class,
    enroll_self,
    join_with_code,
    learner_for,
    next_exercise,
    remark_attempts,
    remarking,
)
from metamodel.services import NothingToPractise

NO_SUCH_EXERCISE = error_response("No such course, or no such exercise in it.")
EXERCISE_KEY = OpenApiParameter(
    "exercise", str, OpenApiParameter.PATH, description="The exercise's key in the course."
)


class IsTeacher(permissions.BasePermission):
    """Teachers are staff accounts; what they may touch is then limited to the courses they teach."""

    message = "Only teachers and staff may do this."

    def has_permission(self, request: Request, view: object) -> bool:
        return bool(request.user and request.user.is_staff)


def visible_courses(user) -> QuerySet[Course]:
    """Published courses, plus the unpublished ones the user teaches (all of them for a superuser)."""
    if user.is_superuser:
        return Course.objects.all()
    return Course.objects.filter(Q(published=True) | Q(teachers=user)).distinct()


def _field_errors(error: CourseDocumentError) -> ValidationError:
    """A course document's problems as a 400, each under its path ("document": the whole), with its line."""
    problems: dict[str, list[str]] = {}
    for problem in error.problems:
        problems.setdefault(problem.path or "document", []).append(problem.detail)
    return ValidationError(problems)


class CourseDocumentParser(BaseParser):
    """A course document in a JSON request body, read as ``import_course`` reads a .json file: a key written
    twice is refused, and an error names its line."""

    media_type = "application/json"
    filename = "body.json"  # what parse_course_bytes reads the syntax from

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        # The body as Django reads it, held to DATA_UPLOAD_MAX_MEMORY_SIZE (``stream`` is not).
        body = parser_context["request"].body
        try:
            return parse_course_bytes(body, self.filename)
        except CourseDocumentError as error:
            raise _field_errors(error) from error


class YAMLCourseDocumentParser(CourseDocumentParser):
    media_type = "application/yaml"
    filename = "body.yaml"


class TextYAMLCourseDocumentParser(YAMLCourseDocumentParser):
    media_type = "text/yaml"


class DocumentTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE


def _document_of(request: Request) -> Any:
    """The course document of an import request: its JSON or YAML body, or the ``file`` of a multipart upload,
    parsed; a body or file over Django's DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 that says the limit."""
    try:
        data = request.data
    except RequestDataTooBig as error:
        raise DocumentTooLarge(document_too_large(math.inf)) from error  # Django measured it
    if not request.content_type.startswith("multipart/"):
        return data
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationError({"file": ["Upload the course document as the 'file' part."]})
    if too_large := document_too_large(upload.size):
        raise DocumentTooLarge(too_large)
    try:
        return parse_course_bytes(upload.read(), upload.name)
    except CourseDocumentError as error:
        raise _field_errors(error) from error


def _join_url(request: Request, course: Course) -> str | None:
    """The link that fills the course's join code in for a pupil (None without a code)."""
    if not course.join_code:
        return None
    return request.build_absolute_uri(reverse("learners:join-code", args=[course.join_code]))


class CourseFilter(django_filters.FilterSet):
    taught = StrictBooleanFilter(
        method="filter_taught",
        help_text="true: the courses you are a teacher of (a superuser's too: those that name them as a "
        "teacher), each with its `join_code`: the codes to hand out; false: the others.",
    )

    class Meta:
        model = Course
        fields = ["language", "taught"]

    def filter_taught(self, courses: QuerySet[Course], name: str, value: bool) -> QuerySet[Course]:
        taught = Q(teachers=self.request.user)
        return courses.filter(taught) if value else courses.exclude(taught)


class CourseViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    # A slug's characters (Django's slug converter, as the pages route): any other path, one with a NUL
    # character that PostgreSQL cannot compare, say, is the API's JSON 404 rather than a failed query.
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    filterset_class = CourseFilter

    def get_queryset(self) -> QuerySet[Course]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular builds the schema anonymously
            return Course.objects.none()
        courses = visible_courses(self.request.user).order_by("title")
        if self.action == "retrieve":
            return courses.prefetch_related("skills__prerequisites")
        return courses

    def filter_queryset(self, queryset: QuerySet[Course]) -> QuerySet[Course]:
        """The catalogue's filters (``?language=``) narrow the list only: a course named by its slug is found
        whatever the query string says."""
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_class(self):
        return CourseDetailSerializer if self.action == "retrieve" else CourseSerializer

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if self.request.user.is_authenticated:
            context["enrolled_course_ids"] = set(
                Enrollment.objects.filter(learner__user=self.request.user).values_list("course_id", flat=True)
            )
            # Whose join codes the caller reads: the courses they teach (None: a superuser, all of them).
            user = self.request.user
            context["taught_course_ids"] = (
                None if user.is_superuser else set(user.taught_courses.values_list("pk", flat=True))
            )
        return context

    @extend_schema(
        parameters=[ImportOptionsSerializer, CREATED_LOCATION],
        request={
            "application/json": CourseDocumentSerializer,
            "application/yaml": CourseDocumentSerializer,
            "text/yaml": CourseDocumentSerializer,
            "multipart/form-data": CourseDocumentUploadSerializer,
        },
        responses={
            200: ImportResultSerializer,
            201: ImportResultSerializer,
            400: field_errors_response("Every problem of the document, each with its path and line."),
            413: error_response("Over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB unless configured)."),
        },
        description=(
            "Create or update a course from a course document (docs/courses.md), in JSON or YAML, as the "
            "body or as the `file` of a multipart upload, and say what changed, key by key. The importing "
            "teacher teaches it. With `dry_run=true`, nothing is changed: the answer says what would be."
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        permission_classes=[IsTeacher],
        parser_classes=[
            CourseDocumentParser, YAMLCourseDocumentParser, TextYAMLCourseDocumentParser, MultiPartParser,
        ],
    )  # fmt: skip
    def import_document(self, request: Request) -> Response:
        options = ImportOptionsSerializer(data=request.query_params)
        options.is_valid(raise_exception=True)
        dry_run = options.validated_data["dry_run"]
        document = _document_of(request)
        if refusal := import_refusal(request.user, document):
            raise PermissionDenied(refusal)
        try:
            summary = import_course(document, teacher=request.user, dry_run=dry_run)
        except CourseDocumentError as error:
            raise _field_errors(error) from error
        body = ImportResultSerializer(summary).data
        if not summary.created or dry_run:
            return Response(body, status=status.HTTP_200_OK)
        where = reverse("course-detail", args=[summary.course.slug], request=request)
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": where})

    def _enrolled_response(self, course: Course, created: bool) -> Response:
        """The course the caller is enrolled in now: 201 with its ``Location`` when the enrollment is new."""
        context = {**self.get_serializer_context(), "enrolled_course_ids": {course.pk}}
        body = CourseSerializer(course, context=context).data
        if not created:
            return Response(body, status=status.HTTP_200_OK)
        where = reverse("course-detail", args=[course.slug], request=self.request)
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": where})

    @extend_schema(
        request=None,
        responses={200: CourseSerializer, 201: CourseSerializer},
        parameters=[CREATED_LOCATION],
        description="Enroll in the course: 201 the first time (its `Location` is the course), 200 after; 403 "
        "where only the course's teachers enroll learners (`self_enrollment` false).",
    )
    @action(detail=True, methods=["post"])
    def enroll(self, request: Request, slug: str) -> Response:
        course = self.get_object()
        try:
            _, created = enroll_self(learner_for(request.user), course)
        except EnrollmentClosed as error:
            raise PermissionDenied(EnrollmentClosed.message) from error
        return self._enrolled_response(course, created)

    @extend_schema(
        request=JoinSerializer,
        responses={
            200: CourseSerializer,
            201: CourseSerializer,
            400: field_errors_response(
                "On `code`: no course has this join code (or it is not the shape of one), or its course is a "
                "draft (unpublished)."
            ),
            429: error_response(
                "Too many join codes tried by this account (JOIN_CODE_THROTTLE_RATE, 10 a minute by "
                "default); the Retry-After header gives the seconds to wait."
            ),
        },
        parameters=[CREATED_LOCATION],
        description="Join a class with the join code its teacher gave: enroll in the code's course, even "
        "where `self_enrollment` is false. 201 the first time (its `Location` is the course), 200 after. "
        "Capitals, spaces and dashes in the code do not matter. Every try, right or wrong, counts towards "
        "the account's limit (JOIN_CODE_THROTTLE_RATE).",
    )
    @action(detail=False, methods=["post"], url_path="join", throttle_classes=[JoinCodeThrottle])
    def join(self, request: Request) -> Response:
        serializer = JoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            course, created = join_with_code(learner_for(request.user), serializer.validated_data["code"])
        except JoinCodeRefused as refused:
            raise ValidationError({"code": [refused.message]}) from refused
        return self._enrolled_response(course, created)

    @extend_schema(
        responses={
            200: NextExerciseSerializer,
            403: error_response("Not enrolled in the course: enroll first"),
            404: error_response(
                "No such course, or nothing in it to practise (no exercise, or all set aside)"
            ),
        }
    )
    @action(detail=True, methods=["get"])
    def next(self, request: Request, slug: str) -> Response:
        course = self.get_object()
        try:
            recommendation = next_exercise(learner_for(request.user), course)
        except NotEnrolled as error:
            raise PermissionDenied("Enroll in this course first.") from error
        except NothingToPractise as error:
            raise NotFound("This course has no exercise to practise yet.") from error
        return Response(NextExerciseSerializer(recommendation).data)

    def _taught_course(self, what: str) -> Course:
        course = self.get_object()
        if not teaches(self.request.user, course):
            raise PermissionDenied(f"Only the course's teachers may {what}.")
        return course

    @staticmethod
    def _enrolled(course: Course, learner: str) -> Learner:
        """The path's learner (a username or ``imported:<external id>``) enrolled in the course, or 404."""
        enrolled = Learner.objects.select_related("user").filter(named(learner), enrollments__course=course)
        if (found := enrolled.first()) is None:
            raise NotFound(f"No learner '{learner}' enrolled in this course.")
        return found

    @extend_schema(
        responses={200: CourseDocumentSerializer},
        description="The course's teachers: the course as a course document (docs/courses.md), its active "
        "exercises with their answers, which `POST /api/v1/courses/import/` reads back.",
    )
    @action(detail=True, methods=["get"])
    def export(self, request: Request, slug: str) -> Response:
        return Response(export_course(self._taught_course("export it")))

    @extend_schema(
        methods=["POST"],
        request=JoinCodeChangeSerializer,
        responses={
            201: JoinCodeSerializer,
            200: JoinCodeSerializer,
            403: error_response("Not a teacher of the course."),
            409: error_response(
                "The course has a join code and `replaces` does not name it (missing, or replaced or removed "
                "meanwhile); the message gives the code now. Nothing is changed."
            ),
        },
        description="The course's teachers: give the course a join code (201 the first time), or a new one "
        "in place of the one it has (200), which `replaces` must name: the old code stops enrolling anyone "
        "at once. A draft's code works once it is published. The dashboard's course page does the same; the "
        "admin's History records each change (docs/classroom.md).",
    )
    @extend_schema(
        methods=["DELETE"],
        request=None,
        responses={204: None, 403: error_response("Not a teacher of the course.")},
        description="The course's teachers: take the course's join code away (it stops enrolling anyone at "
        "once; pupils already enrolled stay). 204 also when it had none.",
    )
    @action(detail=True, methods=["post", "delete"], url_path="join-code")
    def join_code(self, request: Request, slug: str) -> Response:
        course = self._taught_course("change its join code")
        if request.method == "DELETE":
            change_join_code(course, request.user, sure_about=course.join_code, remove=True)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = JoinCodeChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        replaces = serializer.validated_data.get("replaces")
        if course.join_code and not replaces:
            detail = (
                f"{course.title} has the join code {course.join_code_display}: send it as `replaces` to "
                "replace it."
            )
            return Response({"detail": detail}, status=status.HTTP_409_CONFLICT)
        try:
            done = change_join_code(course, request.user, sure_about=replaces)
        except JoinCodeConflict as conflict:
            return Response({"detail": str(conflict)}, status=status.HTTP_409_CONFLICT)
        link = _join_url(request, course)
        body = {"join_code": course.join_code, "join_url": link, "detail": f"{done} {joining_words(course)}"}
        return Response(body, status=status.HTTP_200_OK if replaces else status.HTTP_201_CREATED)

    @extend_schema(
        request=JoinCodesCreateSerializer,
        responses={
            200: JoinCodesCreatedSerializer,
            400: field_errors_response(
                "On `courses`: the slugs that are not courses you teach (or no course's), all of them named; "
                "no join code is created, for any course of the request."
            ),
            403: error_response("Not a teacher (a staff account)."),
        },
        description="Teachers: the join codes of several classes at once, at the start of a term, as the "
        "dashboard's course list's action *Create join codes* does: each course named (`courses`; left out: "
        "every course you are a teacher of) that is published and has no code gets its first one, all in "
        "one transaction; none is replaced, and a draft gets none, since a code enrolls no one in a draft. "
        "The answer lists every course, by title, with its code to write on the board and whether it was "
        "created now. Sent again, it creates nothing. A slug named twice counts once. The admin's History "
        "records each code created. Your courses' codes: `GET /api/v1/courses/?taught=true`.",
    )
    @action(detail=False, methods=["post"], url_path="join-codes", permission_classes=[IsTeacher])
    def join_codes(self, request: Request) -> Response:
        serializer = JoinCodesCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        courses = serializer.validated_data.get("courses", request.user.taught_courses.all())
        done = create_first_join_codes(courses, request.user)
        rows = [
            {
                "slug": course.slug,
                "title": course.title,
                "published": course.published,
                "join_code": course.join_code,
                "join_url": _join_url(request, course),
                "created": course in done.created,
            }
            for course in done.courses
        ]
        detail = done.summary
        if drafts := len(done.drafts):
            detail += (
                f" {drafts} draft{pluralize(drafts)} {pluralize(drafts, 'was,were')} given no code: a join "
                "code enrolls no one in a draft (publish it, then create its code)."
            )
        return Response(JoinCodesCreatedSerializer({"courses": rows, "detail": detail}).data)

    @extend_schema(
        methods=["GET"],
        # A list, but of learners: the catalogue's filters are no parameters of it.
        parameters=[OpenApiParameter("language", exclude=True), OpenApiParameter("taught", exclude=True)],
        responses={200: ClassLearnerSerializer(many=True)},
        description="The course's teachers: every enrolled learner, weakest first (fewest skills mastered, "
        "then fewest answers), counted since their latest reset, with when they last answered and the skills "
        "they are stuck on, as the class mastery page lists them.",
    )
    @extend_schema(
        methods=["POST"],
        request=ClassEnrollSerializer,
        responses={
            200: ClassEnrollmentSerializer,
            400: field_errors_response(
                "Invalid input; with `create_accounts`, every name no account can be made for, each on "
                '`usernames` with its item ("item 2: …"), or `create_accounts` itself where the '
                "school's administrators make the accounts (`TEACHER_ACCOUNTS_OPEN` off); nothing is "
                "created or enrolled."
            ),
        },
        description="The course's teachers: enroll students by their usernames, all in one transaction; "
        "the answer says who was enrolled now, who already was, and which names are no student's. With "
        "`create_accounts`, as the dashboard's *Enroll a class* with its tick box (docs/classroom.md): each "
        "name that is no one's becomes a student account, enrolled, with a temporary password, listed in "
        "`accounts` this once (`Cache-Control: no-store`); the pupil chooses their own password at their "
        "first sign-in on the site. All or nothing: a name that cannot be a username, one taken by an "
        "account the list cannot enroll (a staff account), the same new name twice in other capitals, or "
        "too many new names is a 400, and nothing is created or enrolled. A school that takes its accounts "
        "from its own directory turns `create_accounts` off (`TEACHER_ACCOUNTS_OPEN`): it is then a 400 on "
        "`create_accounts`, and teachers enroll existing accounts only.",
    )
    @action(detail=True, methods=["get", "post"], url_path="class")
    def class_(self, request: Request, slug: str) -> Response:
        course = self._taught_course("see or enroll its class")
        if request.method == "POST":
            serializer = ClassEnrollSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            usernames = serializer.validated_data["usernames"]
            if serializer.validated_data["create_accounts"]:
                return self._enroll_creating_accounts(course, usernames)
            done = enroll_class(course, usernames)
            return Response(ClassEnrollmentSerializer(done).data)
        page = self.paginate_queryset(learner_rows(course, course.practisable_skill_ids()))
        context = {"course": course, "request": request}
        return self.get_paginated_response(ClassLearnerSerializer(page, many=True, context=context).data)

    def _enroll_creating_accounts(self, course: Course, usernames: list[str]) -> Response:
        """Enroll the class, creating the accounts of the names that are no one's (learners.classroom); a
        problem names the list's item as the API names a list's items."""
        class_list = list(enumerate(usernames, start=1))
        try:
            made = enroll_class_creating_accounts(course, class_list, self.request.user, entry="item")
        except ClassListRefused as refused:
            raise ValidationError({"usernames": refused.problems}) from refused
        body = ClassEnrollmentSerializer({**asdict(made.enrollment), "accounts": made.slips}).data
        return Response(body, headers={"Cache-Control": "no-store"})  # passwords: kept by no cache

    @extend_schema(
        methods=["GET"],
        responses={
            200: ClassLearnerDetailSerializer,
            404: error_response("No such course, or no such learner enrolled in it."),
        },
        description="The course's teachers: one enrolled learner, as their page in the teacher dashboard "
        "shows them: their figures and skills since their latest reset (as their own progress shows them), "
        "the skills they are stuck on, what the engine offers them now and why, and the overrides in force "
        "for them. Their answers: `GET /api/v1/attempts/?course=…&learner=…`.",
    )
    @extend_schema(
        methods=["DELETE"],
        request=None,
        responses={
            204: None,
            403: error_response(
                "Not a teacher of the course; or a teacher may not delete the account: it has signed in "
                "or has an API token, it has answered, it was not made by a teacher enrolling a class (a "
                "sign-up), it is a staff account, it is also enrolled in a course the teacher does not "
                "teach, or the learner was imported from an attempt log. The message says which; nothing "
                "is deleted."
            ),
            404: error_response("No such course, or no such learner enrolled in it."),
        },
        description="The course's teachers: delete an account made by mistake (a name typed wrong) with "
        "`create_accounts` or the dashboard's *Enroll a class*, while it has never been used: the account, "
        "its learner and its enrollments go, for good, and the admin's log records who deleted it. Any other "
        "account is an administrator's to delete (docs/classroom.md).",
    )
    @action(detail=True, methods=["get", "delete"], url_path=r"class/(?P<learner>[^/\x00]+)")
    def class_learner(self, request: Request, slug: str, learner: str) -> Response:
        if request.method == "DELETE":
            course = self._taught_course("delete its pupils' accounts")
            found = self._enrolled(course, learner)
            try:
                delete_unused_account(found, request.user)
            except AccountNotDeleted as refused:
                raise PermissionDenied(refused.message) from refused
            return Response(status=status.HTTP_204_NO_CONTENT)
        course = self._taught_course("see its class")
        found = self._enrolled(course, learner)
        report = learner_report(course, found)
        return Response(ClassLearnerDetailSerializer({"learner": found, **report}).data)

    @extend_schema(
        request=None,
        responses={
            200: TemporaryPasswordSerializer,
            403: error_response(
                "Not a teacher of the course; or the learner's account is a staff account (an administrator "
                "changes its password), they were imported from an attempt log (no account), or they are "
                "also enrolled in a course the teacher does not teach (an administrator gives them one)."
            ),
            404: error_response("No such course, or no such learner enrolled in it."),
        },
        description="The course's teachers: give an enrolled learner (a username) a new temporary password, "
        "returned this once and stored only hashed. Their old password, sessions and API tokens stop "
        "working; they sign in on the site with the new one and must choose their own password before "
        "anything else (until then the API answers them 403). The admin's log records who gave it.",
    )
    @action(detail=True, methods=["post"], url_path=r"class/(?P<learner>[^/\x00]+)/password")
    def class_learner_password(self, request: Request, slug: str, learner: str) -> Response:
        course = self._taught_course("give its learners new passwords")
        found = self._enrolled(course, learner)
        try:
            slip = give_temporary_password(found, course, request.user)
        except PasswordNotGiven as refused:
            raise PermissionDenied(refused.message) from refused
        body = TemporaryPasswordSerializer(slip).data
        return Response(body, headers={"Cache-Control": "no-store"})  # a password: kept by no cache

    @extend_schema(
        methods=["GET"],
        parameters=[EXERCISE_KEY],
        responses={200: RemarkingSerializer, 404: NO_SUCH_EXERCISE},
        description="The course's teachers: what marking the exercise's past answers again, against the "
        "exercise as it is now (after its answer, tolerance, choices or capitals were corrected), would "
        "change: each answer whose mark would change, marked right and wrong now or marked wrong and right "
        "now, and how many of each. Nothing is changed: `POST` does it.",
    )
    @extend_schema(
        methods=["POST"],
        request=None,
        parameters=[EXERCISE_KEY],
        responses={200: RemarkingSerializer, 404: NO_SUCH_EXERCISE},
        description="The course's teachers: mark the exercise's past answers again, against the exercise as "
        "it is now, all in one transaction, as the dashboard's *Re-mark past answers* does: the learners' "
        "results and progress follow, and the engine adapts to them again; answers imported from an attempt "
        "log keep the mark of their log. The answer lists the answers whose mark changed; sent again, it "
        "changes nothing and says 0. The exercise's history in the dashboard records who re-marked it.",
    )
    @action(detail=True, methods=["get", "post"], url_path=r"exercises/(?P<exercise>[^/\x00]+)/remark")
    def remark(self, request: Request, slug: str, exercise: str) -> Response:
        course = self._taught_course("re-mark its answers")
        found = course.exercises.select_related("course").filter(key=exercise).first()
        if found is None:
            raise NotFound(f"No exercise '{exercise}' in this course.")
        if request.method == "POST":
            [changes] = remark_attempts([found], request.user)
        else:
            [changes] = remarking([found])
        return Response(RemarkingSerializer(changes).data)

    @extend_schema(responses={200: ProgressSerializer})
    @action(detail=True, methods=["get"])
    def progress(self, request: Request, slug: str) -> Response:
        course = self.get_object()
        reports = course_progress(learner_for(request.user), course)
        return Response(ProgressSerializer({"course": course.slug, "skills": reports}).data)


class OverrideFilter(django_filters.FilterSet):
    course = django_filters.CharFilter(field_name="course__slug", help_text="The course's slug.")
    learner = django_filters.CharFilter(
        field_name="learner__user__username",
        help_text="A learner's username: the overrides about them alone (the course-wide ones, which apply "
        "to them too, are not listed).",
    )
    active = StrictBooleanFilter(
        method="filter_active",
        help_text="true: in force now; false: no longer in force (ended by a teacher, or lapsed: its "
        "`ends_at` has passed).",
    )
    status = django_filters.ChoiceFilter(
        choices=Override.Status.choices,
        method="filter_status",
        help_text="Where they stand now, as each one's `status` says: `lapsed` once its `ends_at` has "
        "passed, `ended` by a teacher (or superseded).",
    )

    class Meta:
        model = Override
        fields = ["course", "learner", "kind", "active", "status"]

    def filter_active(self, overrides: QuerySet[Override], name: str, value: bool) -> QuerySet[Override]:
        return overrides.in_force() if value else overrides.no_longer_in_force()

    def filter_status(self, overrides: QuerySet[Override], name: str, value: str) -> QuerySet[Override]:
        return overrides.with_status(value)


@extend_schema_view(
    create=extend_schema(
        parameters=[CREATED_LOCATION],
        description="Add an override in a course you teach (a course you do not teach is answered as no "
        "course). A target band or a pin ends the one of its kind in force in the same scope (`supersedes`); "
        "excluding an exercise already excluded in the same scope is a 400 on `exercise` naming the "
        "exclusion in force, and adds nothing. With an `ends_at` it lifts itself then (its `status` becomes "
        "`lapsed`, and the engine chooses afresh); a time already past, or an end for a reset, is a 400 on "
        "`ends_at`.",
    )
)
class OverrideViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Teachers' overrides of the engine in the courses they teach: pin, exclude, target band, reset."""

    serializer_class = OverrideSerializer
    permission_classes = [IsTeacher]
    filterset_class = OverrideFilter

    def get_queryset(self) -> QuerySet[Override]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular builds the schema anonymously
            return Override.objects.none()
        overrides = Override.objects.select_related(
            "course", "learner__user", "skill", "exercise", "created_by"
        ).prefetch_related("supersedes")
        if not self.request.user.is_superuser:
            overrides = overrides.filter(course__teachers=self.request.user)
        return overrides

    def get_success_headers(self, data: Any) -> dict[str, str]:
        return {"Location": reverse("override-detail", args=[data["id"]], request=self.request)}

    def perform_create(self, serializer: OverrideSerializer) -> None:
        try:
            serializer.instance = add_override(Override(**serializer.validated_data), self.request.user)
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from error

    @extend_schema(request=OverrideEndSerializer, responses={200: OverrideSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        """Lift the override, optionally saying why; it stays on record with when, who and why. Lifting one
        no longer in force (lifted already, or lapsed: its `ends_at` has passed) changes nothing. Lifting a
        reset undoes it: the learner's answers before it count again, for their progress and the engine."""
        override = self.get_object()
        why = OverrideEndSerializer(data=request.data)
        why.is_valid(raise_exception=True)
        ended = end_override(override, request.user, why.validated_data["reason"])
        return Response(OverrideSerializer(ended, context={"request": request}).data)

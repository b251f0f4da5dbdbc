"""The teacher dashboard: courses, skills, exercises. A teacher who is not a superuser sees only theirs."""

import csv
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString
from django.utils.text import Truncator, capfirst

from courses.documents import CourseDocumentError, parse_course_bytes, parse_course_text
from courses.forms import EndOverridesForm, EnrollClassForm, ExerciseAdminForm, SkillAdminForm
from courses.mastery import class_mastery, learner_report, mastery_rows
from courses.models import Course, Exercise, Override, Skill, count_per_row
from courses.services import (
    ImportSummary,
    JoinCodeConflict,
    add_override,
    change_join_code,
    course_document_text,
    create_first_join_codes,
    document_too_large,
    end_overrides,
    import_course,
    import_refusal,
    joining_words,
)
from learners.classroom import (
    AccountNotDeleted,
    ClassListRefused,
    PasswordNotGiven,
    SignInSlip,
    delete_unused_account,
    deletion_refusal,
    enroll_class_creating_accounts,
    give_temporary_password,
    password_refusal,
    pupils_awaiting_password,
)
from learners.forms import PreviewAnswerForm
from learners.models import Attempt, Learner
from learners.practice import asks_for_hint, exercise_context, hints_to_show
from learners.serializers import feedback_for
from learners.services import ClassEnrollment, enroll_class, marked_attempt, remark_attempts, remarking
from metamodel.policy import MASTERY_THRESHOLD


def course_label(course: Course) -> str:
    """How a teacher tells courses apart in a list: two courses may share a title, never a slug."""
    return f"{course.title} ({course.slug})"


def taught_course_ids(user: AbstractBaseUser) -> QuerySet:
    """The ids of the courses ``user`` teaches, as a subquery to filter rows by."""
    return Course.objects.filter(teachers=user).values("pk")


class TeacherScopedAdmin(admin.ModelAdmin):
    """Limit rows, and the courses offered in forms, to the courses the signed-in teacher teaches.

    ``course_path`` is the lookup from this admin's model to Course ("" for Course itself). ``teaches``
    follows it through foreign keys only: an admin whose rows reach courses through a list of rows (a
    learner's enrollments) overrides it.
    """

    course_path = "course"

    def teaches(self, request: HttpRequest) -> Q:
        # A subquery of course ids, not a join through the courses' teachers: the join needed a DISTINCT,
        # which made the database sort every row of a large attempt log before showing a page of it.
        lookup = f"{self.course_path}__in" if self.course_path else "pk__in"
        return Q(**{lookup: taught_course_ids(request.user)})

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        return rows.filter(self.teaches(request))

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        # A row stays in the course it was added to: moved, its exercises' skills, its attempts and its
        # prerequisites would point into two courses. Read-only, the course is left out of the form too.
        fixed = ["course"] if obj is not None and self.course_path == "course" else []
        return [*super().get_readonly_fields(request, obj), *fixed]

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        # The course first, where it is chosen, also once it is shown read-only (after the form's fields).
        return sorted(super().get_fields(request, obj), key=lambda name: name != "course")

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and self.course_path == "course":  # its course is fixed: offer its skills only
            for field in form.base_fields.values():
                if isinstance(field, forms.ModelMultipleChoiceField) and field.queryset.model is Skill:
                    field.queryset = field.queryset.filter(course_id=obj.course_id)
        return form

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "course" and not request.user.is_superuser:
            kwargs["queryset"] = Course.objects.filter(teachers=request.user)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "course":
            field.label_from_instance = course_label
        return field

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.related_model is Skill and not request.user.is_superuser:
            kwargs["queryset"] = Skill.objects.filter(course__teachers=request.user).select_related("course")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class CourseImportForm(forms.Form):
    """A course document to import: an uploaded file or the pasted text, and whether only to check it."""

    file = forms.FileField(
        required=False,
        label="Course document file",
        widget=forms.FileInput(attrs={"accept": ".yaml,.yml,.json"}),
        help_text="YAML or JSON, UTF-8 (docs/courses.md describes every field). A name ending in .json is "
        "read as JSON, any other as YAML.",
    )
    # Not stripped: a blank line removed at the top would shift every line number the problems name.
    text = forms.CharField(
        required=False,
        strip=False,
        label="Or paste the document",
        widget=forms.Textarea(
            attrs={"rows": 20, "cols": 80, "spellcheck": "false", "class": "vLargeTextField"}
        ),
        help_text="Read as JSON when it starts with “{”, as YAML otherwise.",
    )
    dry_run = forms.BooleanField(
        required=False,
        label="Dry run: only check and report",
        help_text="Nothing is stored: the page says what the import would change.",
    )

    def clean_file(self) -> Any:
        # The API's limit: a form's files are not held to it by Django.
        upload = self.cleaned_data["file"]
        if upload and (too_large := document_too_large(upload.size)):
            raise ValidationError(too_large)
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        pasted = cleaned.get("text", "").strip()
        if "file" not in cleaned:
            return cleaned  # the file was refused, and the form says why
        if cleaned["file"] and pasted:
            self.add_error(
                "text", "Upload a file or paste the document, not both: empty this box to import the file."
            )
        elif not cleaned["file"] and not pasted:
            self.add_error("file", "Choose a course document file, or paste the document below.")
        return cleaned

    @property
    def source(self) -> str:
        """The field the document came from, where its problems are shown."""
        return "file" if self.cleaned_data["file"] else "text"

    def document(self) -> Any:
        """The document, parsed as the API parses an uploaded file or a JSON or YAML body; raises
        CourseDocumentError with every problem's line."""
        if upload := self.cleaned_data["file"]:
            return parse_course_bytes(upload.read(), upload.name)
        text = self.cleaned_data["text"]
        return parse_course_text(text, "pasted.json" if text.lstrip().startswith("{") else "pasted.yaml")


def summary_message(summary: ImportSummary) -> str:
    """What an import changed, as one sentence list for a message: the import command's report."""
    headline, *changes = summary.lines()
    if not changes:
        return f"{headline}. No skill or exercise changed."
    return f"{headline}. {capfirst('; '.join(change.strip() for change in changes))}."


@admin.register(Course)
class CourseAdmin(TeacherScopedAdmin):
    course_path = ""
    list_display = [
        "title",
        "slug",
        "published",
        "skill_count",
        "exercise_count",
        "learner_count",
        "mastery_link",
        "updated_at",
    ]
    list_filter = ["published", "self_enrollment", "language"]
    search_fields = ["title", "slug", "description"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["teachers"]
    actions = ["create_join_codes"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_counts()

    @admin.display(description="skills", ordering="skill_count")
    def skill_count(self, course: Course) -> int:
        return course.skill_count

    @admin.display(description="active exercises", ordering="exercise_count")
    def exercise_count(self, course: Course) -> int:
        return course.exercise_count

    @admin.display(description="learners", ordering="learner_count")
    def learner_count(self, course: Course) -> int:
        return course.learner_count

    @admin.display(description="class")
    def mastery_link(self, course: Course) -> str:
        mastery = reverse("admin:courses_course_mastery", args=[course.pk])
        enrolling = reverse("admin:courses_course_enroll_class", args=[course.pk])
        return format_html(
            '<a href="{}">Class mastery</a> · <a href="{}">Enroll a class</a>', mastery, enrolling
        )

    @admin.action(description="Create join codes", permissions=["change"])
    def create_join_codes(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse:
        """A term's join codes at once: each selected published course without a code gets its first one
        (courses.services), none is replaced; the page lists every selected course's code to copy onto the
        board, and says which were left out and why."""
        courses = list(queryset)
        done = create_first_join_codes(courses, request.user)
        # A course selected on a page shown before its teacher was taken off it (or a forged selection) is
        # not in the dashboard's scope, so not among ``courses``: the page says how many were left out so.
        selected = set(request.POST.getlist(helpers.ACTION_CHECKBOX_NAME))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Join codes",
            "done": done,
            "codes": [self.join_code_context(request, course, back="change") for course in done.with_codes],
            "not_taught": len(selected - {str(course.pk) for course in courses}),
        }
        return TemplateResponse(request, "admin/courses/course/join_codes.html", context)

    def get_urls(self):
        view = self.admin_site.admin_view(self.mastery_view)
        csv_view = self.admin_site.admin_view(self.mastery_csv_view)
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="courses_course_import"),
            path("<int:pk>/mastery/", view, name="courses_course_mastery"),
            path("<int:pk>/mastery.csv", csv_view, name="courses_course_mastery_csv"),
            path(
                "<int:pk>/learners/<int:learner_pk>/",
                self.admin_site.admin_view(self.learner_view),
                name="courses_course_learner",
            ),
            path(
                "<int:pk>/export.yaml",
                self.admin_site.admin_view(self.export_view),
                name="courses_course_export",
            ),
            path(
                "<int:pk>/enroll/",
                self.admin_site.admin_view(self.enroll_class_view),
                name="courses_course_enroll_class",
            ),
            path(
                "<int:pk>/join-code/",
                self.admin_site.admin_view(self.join_code_view),
                name="courses_course_join_code",
            ),
            path(
                "<int:pk>/learners/<int:learner_pk>/password/",
                self.admin_site.admin_view(self.learner_password_view),
                name="courses_course_learner_password",
            ),
            path(
                "<int:pk>/learners/<int:learner_pk>/delete/",
                self.admin_site.admin_view(self.learner_delete_view),
                name="courses_course_learner_delete",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Create or update a course from a course document, as ``POST /api/v1/courses/import/`` does (staff
        only; a teacher may not overwrite a course they do not teach, and teaches the one they import). Every
        problem is listed with its line, and nothing is stored; a dry run shows what would change."""
        form = (
            CourseImportForm(request.POST, request.FILES) if request.method == "POST" else CourseImportForm()
        )
        summary, status = None, 200
        if form.is_bound and form.is_valid():
            source = form.source
            try:
                document = form.document()
                if refusal := import_refusal(request.user, document):
                    form.add_error(None, refusal)
                    status = 403
                else:
                    summary = import_course(
                        document, teacher=request.user, dry_run=form.cleaned_data["dry_run"]
                    )
            except CourseDocumentError as error:
                for problem in error.problems:
                    form.add_error(source, str(problem))
        if summary is not None and not summary.dry_run:
            self.message_user(request, summary_message(summary), messages.SUCCESS)
            for warning in summary.warnings:
                self.message_user(request, f"{capfirst(warning)}.", messages.WARNING)
            if self.has_view_or_change_permission(request, summary.course):
                return HttpResponseRedirect(reverse("admin:courses_course_change", args=[summary.course.pk]))
            return HttpResponseRedirect(reverse("admin:index"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a course",
            "form": form,
            "problems": sum(len(errors) for errors in form.errors.values()),
            "summary": summary,
            "report": summary.lines() if summary else None,
        }
        if form.errors and status == 200:
            status = 400
        return TemplateResponse(request, "admin/courses/course/import.html", context, status=status)

    def mastery_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Per skill, how many of the course's learners practised it and mastered it; per learner, a row, a
        page of them at a time (``?page=``), in the order a teacher chose (``?order=``), those whose name
        contains ``?q=`` and who have not mastered the skill ``?skill=`` names: a 404, saying so, where the
        course has no such skill to practise."""
        course = get_object_or_404(self.get_queryset(request), pk=pk)
        query = request.GET
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "course": course,
            "title": f"Class mastery: {course.title}",
            "mastery_threshold": MASTERY_THRESHOLD,
            **class_mastery(
                course, query.get("page"), query.get("order"), query.get("q", ""), query.get("skill")
            ),
        }
        status = 404 if context["unknown_skill"] else 200
        return TemplateResponse(request, "admin/courses/course/mastery.html", context, status=status)

    def _enrolled(self, request: HttpRequest, pk: int, learner_pk: int) -> tuple[Course, Learner]:
        """The course (one of the user's, else 404) and a learner enrolled in it (else 404)."""
        course = get_object_or_404(self.get_queryset(request), pk=pk)
        learners = Learner.objects.select_related("user").filter(enrollments__course=course)
        return course, get_object_or_404(learners, pk=learner_pk)

    def _question(
        self, request: HttpRequest, course: Course, learner: Learner, template: str, title: str, **extra
    ) -> TemplateResponse:
        """A page that asks before acting on a pupil's account (admin/courses/course/learner_question.html),
        leading back to the pupil's page; ``extra``: the template's own context, and ``status``."""
        status = extra.pop("status", 200)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "course": course,
            "learner": learner,
            "title": title,
            "learner_page": reverse("admin:courses_course_learner", args=[course.pk, learner.pk]),
            **extra,
        }
        return TemplateResponse(request, f"admin/courses/course/{template}", context, status=status)

    def learner_view(self, request: HttpRequest, pk: int, learner_pk: int) -> HttpResponse:
        """One learner enrolled in the course, as a teacher follows them (``learner_report``); the class
        mastery page links each learner here."""
        course, learner = self._enrolled(request, pk, learner_pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "course": course,
            "learner": learner,
            "title": f"{learner} in {course.title}",
            "mastery_threshold": MASTERY_THRESHOLD,
            "password_refusal": password_refusal(learner, request.user),
            "deletable": deletion_refusal(learner, request.user) is None,
            **learner_report(course, learner),
        }
        return TemplateResponse(request, "admin/courses/course/learner.html", context)

    def learner_password_view(self, request: HttpRequest, pk: int, learner_pk: int) -> HttpResponse:
        """From the learner's page: GET asks first, saying what happens (the password they have, their own
        if they chose it, stops working at once), or shows why the teacher may not (no button); POST gives
        the learner a new temporary password (learners.classroom), answered with its sign-in slip, shown
        this once, or a 403 saying why not. A teacher who clicks by mistake in class locks no one out."""
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        course, learner = self._enrolled(request, pk, learner_pk)
        if request.method == "GET":
            refusal = password_refusal(learner, request.user)
            title = f"Give {learner} a new temporary password?"
            status = 403 if refusal else 200
            return self._question(
                request, course, learner, "learner_password.html", title, refusal=refusal, status=status
            )
        try:
            slip = give_temporary_password(learner, course, request.user)
        except PasswordNotGiven as refused:
            raise PermissionDenied(refused.message) from refused
        return self.sign_in_slips(request, course, [slip], learner=learner)

    def learner_delete_view(self, request: HttpRequest, pk: int, learner_pk: int) -> HttpResponse:
        """Delete an account made by mistake on Enroll a class and never used (learners.classroom): GET asks
        first, with the username and that it cannot be undone; POST deletes it and returns to the class
        mastery. A refusal (the pupil signed in meanwhile, say) returns to the pupil's page, saying why."""
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        course, learner = self._enrolled(request, pk, learner_pk)
        learner_page = reverse("admin:courses_course_learner", args=[course.pk, learner.pk])
        try:
            if request.method == "GET":
                if refusal := deletion_refusal(learner, request.user):
                    raise AccountNotDeleted(refusal)
                title = f"Delete {learner}'s account?"
                return self._question(
                    request,
                    course,
                    learner,
                    "learner_delete.html",
                    title,
                    teacher_accounts_open=settings.TEACHER_ACCOUNTS_OPEN,
                )
            username = delete_unused_account(learner, request.user)
        except AccountNotDeleted as refused:
            self.message_user(request, f"Nothing was deleted: {refused.message}", messages.WARNING)
            return HttpResponseRedirect(learner_page)
        self.message_user(request, f"Deleted {username}'s account: it had never been used.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:courses_course_mastery", args=[course.pk]))

    def sign_in_slips(
        self,
        request: HttpRequest,
        course: Course,
        slips: list[SignInSlip],
        enrollment: ClassEnrollment | None = None,
        learner: Learner | None = None,
    ) -> TemplateResponse:
        """The sign-in slips of new temporary passwords, to print: the only time the passwords are shown
        (the admin's views are never cached). ``enrollment``: the class just enrolled, whose new accounts
        these are; ``learner``: the one pupil just given a new temporary password."""
        sign_in_path = reverse("login")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "course": course,
            "title": f"Sign-in slips: {course.title}",
            "slips": slips,
            "done": enrollment,
            "learner": learner,
            # Apart, so that a slip too narrow for the whole address breaks it between the two.
            "sign_in_site": request.build_absolute_uri(sign_in_path).removesuffix(sign_in_path),
            "sign_in_path": sign_in_path,
        }
        return TemplateResponse(request, "admin/courses/course/sign_in_slips.html", context)

    def join_code_context(self, request: HttpRequest, course: Course, back: str) -> dict[str, Any]:
        """The course's join code as its page and Enroll a class show it, big for the board, with the link
        that fills it in and the /join/ page; ``back``: the page the buttons return to."""
        code = course.join_code
        link = reverse("learners:join-code", args=[code]) if code else None
        return {
            "course": course,
            "join_code": course.join_code_display,
            "join_url": request.build_absolute_uri(link) if link else None,
            "join_page_url": request.build_absolute_uri(reverse("learners:join")),
            "join_code_changeable": self.has_change_permission(request, course),
            "join_code_back": back,
        }

    def render_change_form(
        self, request: HttpRequest, context: dict, *args: Any, obj: Course | None = None, **kwargs: Any
    ) -> HttpResponse:
        if obj is not None:
            context["join_code_panel"] = self.join_code_context(request, obj, back="change")
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def join_code_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """POST, from the course's page or Enroll a class: give the course a new join code (``join_code=new``;
        the one it had stops working at once) or take it away (``join_code=remove``). Creating the first
        code is done at once; replacing or removing one is asked first (a page that says what stops working),
        and done when the answer names the code it is sure about (``confirm``): a code pressed away by
        mistake during a lesson would lock the class out, and a confirmation sent twice replaces it once.
        The admin's log records each change with the codes, and the teacher returns to the page they pressed
        the button on."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        course = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, course):
            raise PermissionDenied
        removing = request.POST.get("join_code") == "remove"
        back = "enroll_class" if request.POST.get("back") == "enroll" else "change"
        old = course.join_code_display
        returned = HttpResponseRedirect(reverse(f"admin:courses_course_{back}", args=[course.pk]))
        if old and "confirm" not in request.POST:
            context = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "course": course,
                "title": f"{'Remove' if removing else 'Replace'} the join code of {course.title}?",
                "removing": removing,
                "join_code": old,
                "confirm": course.join_code,
                "back": request.POST.get("back"),
                "back_url": returned.url,
            }
            return TemplateResponse(request, "admin/courses/course/join_code_confirm.html", context)
        if removing and not old:
            return returned
        try:
            done = change_join_code(
                course, request.user, sure_about=request.POST.get("confirm"), remove=removing
            )
        except JoinCodeConflict as conflict:
            self.message_user(request, str(conflict), messages.WARNING)
            return returned
        if not removing:
            done += f" {joining_words(course)}"
        self.message_user(request, done, messages.SUCCESS)
        return returned

    def enroll_class_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Enroll a class at once: the students' usernames, pasted; says who was enrolled and who not. With
        "Create accounts" ticked, the names that are no one's become student accounts, enrolled, and the
        answer is their sign-in slips (learners.classroom), or every problem with its line and nothing
        done."""
        course = get_object_or_404(self.get_queryset(request), pk=pk)
        if not request.user.has_perm("learners.add_enrollment"):
            raise PermissionDenied
        form = EnrollClassForm(request.POST or None)
        done = None
        if request.method == "POST" and form.is_valid():
            class_list = form.cleaned_data["usernames"]
            if form.cleaned_data["create_accounts"]:
                try:
                    made = enroll_class_creating_accounts(course, class_list, request.user)
                except ClassListRefused as refused:
                    for problem in refused.problems:
                        form.add_error("usernames", problem)
                else:
                    if made.slips:
                        return self.sign_in_slips(request, course, made.slips, made.enrollment)
                    done = made.enrollment
            else:
                done = enroll_class(course, [name for _, name in class_list])
            if done is not None:
                form = EnrollClassForm()  # the report lists the names; a second submit would be a no-op
        # A list sent again (a reload of the slips' page) finds its accounts made: their slips are not shown
        # again, and the teacher is told who still waits on one and how to give them another.
        awaiting_password = (
            pupils_awaiting_password([*done.enrolled, *done.already]) if done is not None else []
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "course": course,
            "title": f"Enroll a class: {course.title}",
            "form": form,
            "done": done,
            "awaiting_password": awaiting_password,
            # Where a name is no one's, the students sign up themselves, where they may.
            "signup_url": request.build_absolute_uri(reverse("learners:signup"))
            if settings.REGISTRATION_OPEN
            else None,
            # Where the school makes the accounts (TEACHER_ACCOUNTS_OPEN off), no "Create accounts" tick box.
            "teacher_accounts_open": settings.TEACHER_ACCOUNTS_OPEN,
            "join_code_panel": self.join_code_context(request, course, back="enroll"),
        }
        status = 400 if form.errors else 200
        return TemplateResponse(request, "admin/courses/course/enroll_class.html", context, status=status)

    def mastery_csv_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Every learner's mastery, skill by skill, as a spreadsheet (CSV) to take into a markbook."""
        course = get_object_or_404(self.get_queryset(request), pk=pk)
        # The byte order mark tells Excel the file is UTF-8: without it, accented names come out garbled.
        response = HttpResponse("\ufeff", content_type="text/csv; charset=utf-8")
        filename = f"class-mastery-{course.slug}-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
        csv.writer(response).writerows(mastery_rows(course))
        return response

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The course as a course document (YAML), as ``export_course`` writes it: what the teacher changed
        here, to keep or to edit and import again, so that a re-import of an older file undoes nothing."""
        course = get_object_or_404(self.get_queryset(request), pk=pk)
        response = HttpResponse(course_document_text(course), content_type="application/yaml; charset=utf-8")
        filename = f"{course.slug}.yaml"
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
        return response

    def get_exclude(self, request: HttpRequest, obj: Course | None = None):
        # Only superusers hand courses to other teachers; a teacher's own courses stay theirs.
        return [] if request.user.is_superuser else ["teachers"]

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not request.user.is_superuser:
            form.instance.teachers.add(request.user)


@admin.register(Skill)
class SkillAdmin(TeacherScopedAdmin):
    form = SkillAdminForm
    list_display = ["name", "key", "course", "prerequisite_list", "exercise_count"]
    list_filter = [("course", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "key", "description"]
    filter_horizontal = ["prerequisites"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request).select_related("course").prefetch_related("prerequisites")
        return queryset.annotate(exercise_total=Count("exercises", distinct=True))

    @admin.display(description="prerequisites")
    def prerequisite_list(self, skill: Skill) -> str:
        return ", ".join(p.key for p in skill.prerequisites.all()) or "—"

    @admin.display(description="exercises", ordering="exercise_total")
    def exercise_count(self, skill: Skill) -> int:
        return skill.exercise_total

    def get_deleted_objects(self, objs, request: HttpRequest) -> tuple:
        # What depends on a skill is listed as "protected": the delete page and the bulk delete action then
        # refuse to delete, on a forged confirmation too, and list what to change first.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, perms_needed, [*protected, *skill_dependents(list(objs))]


EXERCISES_NAMED = 20  # per skill: an imported log gives a skill thousands of exercises


def skill_dependents(skills: list[Skill]) -> list[SafeString | str]:
    """What keeps ``skills`` from being deleted, by key and linked to its change page: the exercises that
    practise one (left with a skill less, or none), and the skills, not deleted with them, that need one
    as a prerequisite (the prerequisite would vanish unseen)."""
    deleted = [skill.pk for skill in skills]
    dependents: list[SafeString | str] = []
    for skill in skills:
        exercises = Exercise.objects.filter(skills=skill).order_by("key")
        dependents += [
            format_html(
                'Exercise <a href="{}">{}</a> practises the skill {}',
                reverse("admin:courses_exercise_change", args=[exercise.pk]), exercise.key, skill.key,
            )
            for exercise in exercises[:EXERCISES_NAMED]
        ]  # fmt: skip
        if (more := exercises.count() - EXERCISES_NAMED) > 0:
            dependents.append(f"… and {more} more exercise{pluralize(more)} practising the skill {skill.key}")
        dependents += [
            format_html(
                'Skill <a href="{}">{}</a> needs the skill {} as a prerequisite',
                reverse("admin:courses_skill_change", args=[needing.pk]), needing.key, skill.key,
            )
            for needing in skill.unlocks.exclude(pk__in=deleted).order_by("key")
        ]  # fmt: skip
    return dependents


@admin.register(Exercise)
class ExerciseAdmin(TeacherScopedAdmin):
    form = ExerciseAdminForm
    list_display = [
        "key", "course", "type", "skill_list", "difficulty", "active", "attempt_count", "preview_link"
    ]  # fmt: skip
    list_filter = [("course", admin.RelatedOnlyFieldListFilter), "type", "active", "imported"]
    search_fields = ["key", "prompt", "skills__key"]
    filter_horizontal = ["skills"]
    list_editable = ["active"]
    actions = ["deactivate", "activate", "remark"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request).select_related("course").prefetch_related("skills")
        return queryset.annotate(attempt_total=count_per_row(Attempt.objects.all(), "exercise"))

    @admin.display(description="skills")
    def skill_list(self, exercise: Exercise) -> str:
        return ", ".join(s.key for s in exercise.skills.all())

    @admin.display(description="attempts", ordering="attempt_total")
    def attempt_count(self, exercise: Exercise) -> int:
        return exercise.attempt_total

    @admin.display(description="preview")
    def preview_link(self, exercise: Exercise) -> str:
        if exercise.imported:
            return "—"  # no content to show
        return format_html(
            '<a href="{}">Preview</a>', reverse("admin:courses_exercise_preview", args=[exercise.pk])
        )

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [path("<int:pk>/preview/", preview, name="courses_exercise_preview"), *super().get_urls()]

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The exercise as a learner meets it on the practice page, inactive too, to try: an answer is
        marked as a learner's is and shown with the feedback a learner gets, and nothing is recorded."""
        exercise = get_object_or_404(self.get_queryset(request).filter(imported=False), pk=pk)
        if not self.has_view_or_change_permission(request, exercise):
            raise PermissionDenied
        hints_shown = hints_to_show(request, exercise)
        if request.method == "POST" and not asks_for_hint(request):
            form = PreviewAnswerForm(request.POST, exercise=exercise)
        else:  # what was typed stays in the field when a hint is asked for
            initial = {"hints_used": hints_shown, "response": request.POST.get("response")}
            form = PreviewAnswerForm(exercise=exercise, initial=initial)
        attempt = (
            marked_attempt(exercise, form.cleaned_data["response"], form.cleaned_data["hints_used"])
            if form.is_valid()
            else None
        )
        preview_url = reverse("admin:courses_exercise_preview", args=[exercise.pk])
        context = {
            "course": exercise.course,
            "attempt": attempt,
            "feedback": feedback_for(attempt) if attempt else None,
            **exercise_context(exercise, form, hints_shown, answer_url=preview_url, reopen_url=preview_url),
        }
        status = 400 if form.errors else 200
        return TemplateResponse(request, "admin/courses/exercise/preview.html", context, status=status)

    def save_model(self, request: HttpRequest, obj: Exercise, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        answered = obj.attempts.count() if change and "answer" in form.changed_data else 0
        if answered:
            self.message_user(
                request,
                f"You changed the answer of {obj.key}, which was answered {answered} "
                f"time{pluralize(answered)} before: those attempts keep the result they were given, and "
                "their result pages now say that the answer was changed after they were made. To mark them "
                "again against the new answer, select the exercise in the list and choose “Re-mark past "
                "answers”.",
                messages.WARNING,
            )

    @admin.action(
        description="Re-mark past answers against the exercises as they are now", permissions=["change"]
    )
    def remark(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        """Show what marking the selected exercises' past answers again would change, then do it."""
        exercises = list(queryset)
        if "remark" not in request.POST:
            context = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Re-mark past answers",
                "remarkings": remarking(exercises),
                "selected": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/courses/exercise/remark.html", context)
        done = remark_attempts(exercises, request.user)  # each exercise's history records it
        right, wrong = sum(c.now_right for c in done), sum(c.now_wrong for c in done)
        self.message_user(
            request,
            f"Past answers re-marked: {right} now right, {wrong} now wrong. The learners' progress and the "
            "engine follow.",
        )
        return None

    @admin.action(description="Deactivate the selected exercises (attempts are kept)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.update(active=False)
        self.message_user(request, f"{count} exercise{pluralize(count)} deactivated.")

    @admin.action(description="Activate the selected exercises")
    def activate(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.update(active=True)
        self.message_user(request, f"{count} exercise{pluralize(count)} activated.")


def exercise_label(exercise: Exercise) -> str:
    """How a teacher tells exercises apart in a list: the key and the start of the prompt."""
    prompt = Truncator(" ".join(exercise.prompt.split())).chars(60)
    return f"{exercise} · {prompt}" if prompt else str(exercise)


def local_time(moment: Any) -> str:
    """ "12 December 2026, 15:00": a moment as the dashboard's pages write it, in local time."""
    return dateformat.format(timezone.localtime(moment), "j F Y, H:i")


ENDS_AT_DATE = (
    "Give the date as year-month-day, such as 2027-03-12 (the calendar writes it so), or leave the date and "
    "the time empty: no end."
)
ENDS_AT_TIME = (
    "Give the time as hours:minutes on the 24-hour clock, such as 15:30 (“Now” and the clock write it "
    "so), or leave the date and the time empty: no end."
)


class OverrideStatusFilter(admin.SimpleListFilter):
    """In force, lapsed (its end time passed) or ended by a teacher, as the engine reads them now."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            (Override.Status.IN_FORCE, "In force"),
            (Override.Status.LAPSED, "Lapsed at its end time"),
            (Override.Status.ENDED, "Ended by a teacher"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.with_status(self.value()) if self.value() in Override.Status.values else queryset


@admin.register(Override)
class OverrideAdmin(TeacherScopedAdmin):
    """Teachers steer the engine: pin, exclude, set the target band, reset a learner; each with a reason."""

    list_display = [
        "created_at",
        "course",
        "learner",
        "kind",
        "skill",
        "exercise",
        "reason",
        "created_by",
        "standing",
        "ended_at",
        "ended_by",
    ]
    list_filter = [("course", admin.RelatedOnlyFieldListFilter), "kind", OverrideStatusFilter]
    search_fields = ["reason", "ended_reason", "learner__user__username", "exercise__key", "skill__key"]
    list_select_related = [
        "course", "learner__user", "skill__course", "exercise__course", "created_by", "ended_by"
    ]  # fmt: skip
    autocomplete_fields = ["learner"]
    fields = [
        "course", "learner", "kind", "skill", "exercise", "band_low", "band_high", "reason", "ends_at",
        "standing", "ended_at", "ended_by", "ended_reason", "superseded_by",
    ]  # fmt: skip
    readonly_fields = ["standing", "ended_at", "ended_by", "ended_reason", "superseded_by"]
    actions = ["end_overrides"]

    @admin.display(description="Status")
    def standing(self, override: Override) -> str:
        """In force (until when, if it ends by itself), lapsed at its end time, or ended by a teacher."""
        if override.pk is None:
            return "—"
        status = override.status
        if status == Override.Status.LAPSED:
            return f"lapsed at {local_time(override.ends_at)}"
        if override.superseded_by_id is not None:
            return f"superseded by override #{override.superseded_by_id}"
        if status == Override.Status.ENDED:
            return "ended by a teacher"
        return f"in force until {local_time(override.ends_at)}" if override.ends_at else "in force"

    def formfield_for_dbfield(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "ends_at":
            # Only the forms the calendar and the clock write: "12/03/2027" would otherwise be read as the
            # 3rd of December, silently, where a teacher meant the 12th of March.
            kwargs |= {
                "input_date_formats": ["%Y-%m-%d"],
                "input_time_formats": ["%H:%M", "%H:%M:%S"],
                "error_messages": {"invalid_date": ENDS_AT_DATE, "invalid_time": ENDS_AT_TIME},
            }
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "ends_at":
            # The admin writes "Date:" and "Time:" beside the boxes as plain text: named for a screen reader.
            date, time = field.widget.widgets
            date.attrs["aria-label"], time.attrs["aria-label"] = "Ends at: date", "Ends at: time"
        return field

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name in ("skill", "exercise"):
            kwargs["queryset"] = self._choices_of(db_field.related_model, request)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name in ("skill", "exercise"):  # each choice's label names its course
            field.queryset = field.queryset.select_related("course")
        if db_field.name == "exercise":
            field.label_from_instance = exercise_label
        return field

    @staticmethod
    def _choices_of(model: type[Skill] | type[Exercise], request: HttpRequest) -> QuerySet:
        """The skills or exercises a teacher may name: those of the courses they teach (all for a superuser),
        of the one course the form is for when it says (opened from a class or a learner, ``?course=``, or
        sent), rather than every course's."""
        choices = model.objects.all()
        if not request.user.is_superuser:
            choices = choices.filter(course__teachers=request.user)
            if model is Exercise:
                choices = choices.filter(imported=False)
        course = request.POST.get("course") or request.GET.get("course", "")
        return choices.filter(course_id=course) if course.isdecimal() else choices

    def has_change_permission(self, request: HttpRequest, obj: Override | None = None) -> bool:
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Override | None = None) -> bool:
        return False  # overrides stay on record, with who, when and why: they are ended, not deleted

    def save_model(self, request: HttpRequest, obj: Override, form, change: bool) -> None:
        add_override(obj, request.user)
        for superseded in obj.supersedes.all():
            self.message_user(
                request,
                f"It supersedes override {superseded}, which is now ended: the engine "
                "obeys one override of this kind at a time, for the whole course or for a learner.",
                messages.INFO,
            )

    @admin.action(description="End the selected overrides (they stay on record)")
    def end_overrides(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        """Ask why (optional), then lift the selected overrides with that reason."""
        overrides = list(queryset)
        form = EndOverridesForm(request.POST if "end" in request.POST else None)
        if form.is_bound and form.is_valid():
            ended = len(end_overrides(overrides, request.user, form.cleaned_data["reason"]))
            unchanged = len(overrides) - ended
            told = [f"{ended} override{pluralize(ended)} ended."] if ended else ["Nothing to end."]
            if unchanged:
                told.append(
                    f"{unchanged} {pluralize(unchanged, 'was,were')} no longer in force (ended already, or "
                    f"lapsed at {pluralize(unchanged, 'its,their')} end time): left as "
                    f"{pluralize(unchanged, 'it was,they were')}."
                )
            self.message_user(request, " ".join(told), messages.SUCCESS if ended else messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "End overrides",
            "overrides": overrides,
            # A reset ended brings back the answers before it: the teacher is told whose, before ending it.
            "resets": [o for o in overrides if o.kind == Override.Kind.RESET_STATE],
            "form": form,
            "selected": helpers.ACTION_CHECKBOX_NAME,
        }
        status = 400 if form.errors else 200
        return TemplateResponse(request, "admin/courses/override/end_overrides.html", context, status=status)

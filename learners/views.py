"""The student pages: sign-up, catalogue, joining a class by its code, course, practice, attempt result,
progress, the account (with confirming a new e-mail address from the link sent to it) and resetting a
forgotten password by e-mail.

Server-rendered and usable without JavaScript. The views are thin: every write goes through
learners.services, every recommendation through metamodel.services (via learners.services).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetConfirmView, PasswordResetView
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST

from courses.api import visible_courses
from courses.join_codes import is_join_code, join_code_display, normalise_join_code
from courses.models import Course, Exercise, topological_order
from learners.accounts import (
    CannotErase,
    LinkRefused,
    TooManyLinks,
    account_data,
    address_to_confirm,
    cancel_email_change,
    change_email,
    confirm_email,
    confirm_hours,
    erase_account,
    pending_email_of,
    send_confirmation_link,
)
from learners.classroom import must_choose_password
from learners.forms import (
    AnswerForm,
    ChangePasswordForm,
    ChoosePasswordForm,
    DeleteAccountForm,
    EmailForm,
    JoinClassForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignupForm,
    reset_hours,
)
from learners.models import Attempt, Enrollment, Learner, NotEnrolled, PendingEmail
from learners.practice import asks_for_hint, exercise_context, hints_to_show
from learners.progress import course_progress, mastery_tally, progress_summary
from learners.serializers import AccountDataSerializer, alternatives_of, feedback_for, why_of
from learners.services import (
    ALREADY_ANSWERED,
    OUTDATED_FOR_LEARNER,
    STEERED_FOR_LEARNER,
    AttemptRefused,
    Closed,
    EnrollmentClosed,
    IdempotencyConflict,
    JoinCodeRefused,
    closed,
    enroll_self,
    join_with_code,
    learner_for,
    next_exercise,
    record_attempt,
    register_student,
)
from metamodel.models import Recommendation
from metamodel.policy import MASTERY_THRESHOLD
from metamodel.services import NothingToPractise


def _course_for(request: HttpRequest, slug: str) -> Course:
    """The course if this user may see it (published, or one they teach); 404 otherwise."""
    return get_object_or_404(visible_courses(request.user), slug=slug)


def _enroll_first(request: HttpRequest, course: Course) -> HttpResponse:
    messages.info(request, f"Enroll in {course.title} to practise it and follow your progress.")
    return redirect("learners:course", slug=course.slug)


def _next_page(request: HttpRequest) -> str:
    """The page of this site to go on to afterwards (``next``, as signing in has it: a join code's link,
    say), or "" when none was given or it leads elsewhere."""
    page = request.POST.get("next", request.GET.get("next", ""))
    if url_has_allowed_host_and_scheme(page, {request.get_host()}, require_https=request.is_secure()):
        return page
    return ""


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Sign up, then go on to the page that sent the new student to sign in (``next``: a join code's link
    keeps its code), or else to the course list."""
    if request.user.is_authenticated:
        return redirect("learners:catalogue")
    if not settings.REGISTRATION_OPEN:
        return render(request, "learners/signup_closed.html", status=403)
    next_page = _next_page(request)
    form = SignupForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        learner = register_student(data["username"], data["password1"], data["email"])
        login(request, learner.user, backend="django.contrib.auth.backends.ModelBackend")
        if pending := pending_email_of(learner.user):
            _send_link(request, pending)
        if next_page:
            messages.success(request, f"Welcome, {learner.user.username}!")
            return redirect(next_page)
        messages.success(request, f"Welcome, {learner.user.username}! Choose a course to start.")
        return redirect("learners:catalogue")
    status = 400 if form.errors else 200
    return render(request, "learners/signup.html", {"form": form, "next": next_page}, status=status)


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    courses = visible_courses(request.user).with_counts().order_by("title")
    enrolled = set(Enrollment.objects.filter(learner__user=request.user).values_list("course_id", flat=True))
    context = {"courses": courses, "enrolled": enrolled, "join_form": JoinClassForm(request=request)}
    return render(request, "learners/catalogue.html", context)


@login_required
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course_for(request, slug)
    skills = topological_order(
        list(course.skills.prefetch_related("prerequisites").order_by("key")), course.prerequisite_pairs()
    )
    context = {
        "course": course,
        "skills": skills,
        "enrolled": learner_for(request.user).is_enrolled_in(course),
        "practisable": course.exercises.practisable().exists(),
    }
    return render(request, "learners/course.html", context)


@login_required
@require_POST
def enroll_in_course(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course_for(request, slug)
    try:
        _, created = enroll_self(learner_for(request.user), course)
    except EnrollmentClosed:
        messages.error(request, EnrollmentClosed.message)
        return redirect("learners:course", slug=course.slug)
    if created:
        messages.success(request, f"You are enrolled in {course.title}.")
    return redirect("learners:course", slug=course.slug)


@login_required
@require_http_methods(["GET", "POST"])
def join_class(request: HttpRequest, code: str = "") -> HttpResponse:
    """Join a class with its join code: typed here or in the catalogue's form, or given in the link a
    teacher shared (/join/<code>/, the form filled in: joining is a POST). A right code enrolls the learner
    and takes them to the course; a wrong one is an error on the field."""
    typed = normalise_join_code(code)
    initial = {"code": join_code_display(typed) if is_join_code(typed) else code}
    form = JoinClassForm(request.POST or None, request=request, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            course, created = join_with_code(learner_for(request.user), form.cleaned_data["code"])
        except JoinCodeRefused as refused:
            form.add_error("code", refused.message)
        else:
            if created:
                messages.success(request, f"You joined {course.title}.")
            else:
                messages.info(request, f"You are in {course.title} already.")
            return redirect("learners:course", slug=course.slug)
    return render(request, "learners/join.html", {"form": form})


def _chosen_exercise(recommendation: Recommendation, key: str | None) -> Exercise:
    """The recommended exercise, or one of its alternatives when the learner picked it instead."""
    if key and key != recommendation.exercise.key:
        alternative = next((a for a in alternatives_of(recommendation) if a["key"] == key), None)
        if alternative is not None:
            return recommendation.course.exercises.get(key=key)
    return recommendation.exercise


def _render_exercise(
    request: HttpRequest,
    course: Course,
    learner: Learner,
    recommendation: Recommendation,
    exercise: Exercise,
    form: AnswerForm,
    hints_shown: int,
) -> HttpResponse:
    mastered, skill_total = mastery_tally(course_progress(learner, course))
    recommended = exercise.pk == recommendation.exercise_id
    practice_url = reverse("learners:practice", args=[course.slug])
    reopen = {"recommendation": recommendation.pk} | ({} if recommended else {"exercise": exercise.key})
    context = {
        "course": course,
        "mastered_every_skill": skill_total > 0 and mastered == skill_total,
        "recommendation": recommendation,
        "recommended": recommended,
        "alternatives": alternatives_of(recommendation) if recommended else [],
        "why": why_of(recommendation),
        **exercise_context(
            exercise,
            form,
            hints_shown,
            answer_url=practice_url,
            reopen_url=f"{practice_url}?{urlencode(reopen)}",
        ),
    }
    return render(request, "learners/practice.html", context, status=400 if form.errors else 200)


def _unanswered_form(
    recommendation: Recommendation, exercise: Exercise, hints_shown: int, response: str | None = None
) -> AnswerForm:
    """A form not yet sent (with a new idempotency key) for the exercise on screen, holding ``response``
    when the learner had already typed or chosen one."""
    initial = {
        "recommendation": recommendation.pk,
        "hints_used": hints_shown,
        "exercise": exercise.key,
        "response": response,
    }
    return AnswerForm(exercise=exercise, initial=initial)


def _done_with(recommendation: Recommendation, *, on_screen: bool = False) -> str | None:
    """Why the recommendation is no longer the one to show, for the learner, or None while it is: answered
    already (back or reload after the result page showed the correct answer), out of date, the learner
    having answered another since (in a second tab, say), or steered, a teacher having changed what they
    practise since it was chosen (a reset, a pin). One ``on_screen``, which the learner is working on (they
    ask for a hint), stays theirs to finish when a teacher has steered since: their answer is taken."""
    why = closed(recommendation)
    if why is Closed.STEERED and on_screen:
        return None
    return {
        Closed.ANSWERED: ALREADY_ANSWERED,
        Closed.OUTDATED: OUTDATED_FOR_LEARNER,
        Closed.STEERED: STEERED_FOR_LEARNER,
    }.get(why)


def _moved_on(request: HttpRequest, course: Course, why: str) -> HttpResponse:
    messages.info(request, f"{why} Here is another exercise.")
    return redirect("learners:practice", slug=course.slug)


@login_required
@require_http_methods(["GET", "POST"])
def practice(request: HttpRequest, slug: str) -> HttpResponse:
    """GET shows the recommended exercise (a new recommendation, or ?recommendation= to keep the one on
    screen); POST records the answer and redirects to its result, or, from the form's hint button, shows
    the same exercise with one more hint."""
    course = _course_for(request, slug)
    learner = learner_for(request.user)
    if not learner.is_enrolled_in(course):
        return _enroll_first(request, course)
    if request.method == "POST":
        return _answer(request, course, learner)

    recommendation_id = request.GET.get("recommendation", "")
    if recommendation_id.isdecimal():
        recommendation = get_object_or_404(
            Recommendation.objects.select_related("exercise__course"),
            pk=recommendation_id,
            learner=learner,
            course=course,
        )
        if why := _done_with(recommendation):
            return _moved_on(request, course, why)
    else:
        try:
            recommendation = next_exercise(learner, course)
        except NotEnrolled:
            return _enroll_first(request, course)
        except NothingToPractise:
            return render(request, "learners/nothing_to_practise.html", {"course": course})
    exercise = _chosen_exercise(recommendation, request.GET.get("exercise"))
    form = _unanswered_form(recommendation, exercise, hints_shown=0)
    return _render_exercise(request, course, learner, recommendation, exercise, form, hints_shown=0)


def _answer(request: HttpRequest, course: Course, learner: Learner) -> HttpResponse:
    recommendation_id = request.POST.get("recommendation", "")
    recommendation = get_object_or_404(
        Recommendation.objects.select_related("exercise__course"),
        pk=recommendation_id if recommendation_id.isdecimal() else None,
        learner=learner,
        course=course,
    )
    exercise = _chosen_exercise(recommendation, request.POST.get("exercise"))
    hints_shown = hints_to_show(request, exercise)
    if asks_for_hint(request):
        return _another_hint(request, course, learner, recommendation, exercise, hints_shown)
    form = AnswerForm(request.POST, exercise=exercise)
    if not form.is_valid():
        return _render_exercise(request, course, learner, recommendation, exercise, form, hints_shown)
    try:
        result = record_attempt(
            learner,
            course,
            exercise.key,
            form.cleaned_data["response"],
            source=Attempt.Source.WEB,
            idempotency_key=str(form.cleaned_data["idempotency_key"]),
            recommendation_id=recommendation.pk,
            hints_used=form.cleaned_data["hints_used"],
        )
    except IdempotencyConflict:
        messages.warning(request, "That exercise was already answered from this page. Here is the next one.")
        return redirect("learners:practice", slug=course.slug)
    except NotEnrolled:
        return _enroll_first(request, course)
    except AttemptRefused as refusal:
        messages.warning(request, f"{refusal.for_learner} Here is another exercise.")
        return redirect("learners:practice", slug=course.slug)
    if result.replayed:
        messages.info(request, "You had already sent this answer; it was recorded once.")
    return redirect("learners:attempt", slug=course.slug, pk=result.attempt.pk)


def _another_hint(
    request: HttpRequest,
    course: Course,
    learner: Learner,
    recommendation: Recommendation,
    exercise: Exercise,
    hints_shown: int,
) -> HttpResponse:
    """The same exercise with one more hint (counted in ``hints_shown``), and what the learner had typed or
    chosen still in the field: nothing is checked or recorded."""
    if why := _done_with(recommendation, on_screen=True):
        return _moved_on(request, course, why)
    form = _unanswered_form(recommendation, exercise, hints_shown, response=request.POST.get("response"))
    return _render_exercise(request, course, learner, recommendation, exercise, form, hints_shown)


@login_required
def attempt_result(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The feedback on one attempt; only the learner who made it may see it (404 for everyone else)."""
    course = _course_for(request, slug)
    attempt = get_object_or_404(
        Attempt.objects.select_related("exercise"), pk=pk, course=course, learner__user=request.user
    )
    following = attempt.next_recommendations.filter(attempts__isnull=True).first()
    if following is not None:
        next_url = f"{reverse('learners:practice', args=[course.slug])}?recommendation={following.pk}"
    else:
        next_url = reverse("learners:practice", args=[course.slug])
    context = {
        "course": course,
        "attempt": attempt,
        "exercise": attempt.exercise,
        "feedback": feedback_for(attempt),
        "next_url": next_url,
    }
    return render(request, "learners/attempt.html", context)


@login_required
def progress(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course_for(request, slug)
    learner = learner_for(request.user)
    try:
        summary = progress_summary(learner, course)
    except NotEnrolled:
        return _enroll_first(request, course)
    context = {"course": course, **summary, "mastery_threshold": MASTERY_THRESHOLD}
    return render(request, "learners/progress.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """The account page: download everything kept about you, or delete the account with all of it."""
    form = DeleteAccountForm(request.POST or None, request=request)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                erase_account(request.user)
            except CannotErase as refused:
                form.add_error(None, str(refused))
            else:
                logout(request)
                messages.success(request, "Your account and everything kept about your practice are deleted.")
                return redirect("login")
        status = 400
    context = {
        "form": form,
        "deletion_open": settings.ACCOUNT_DELETION_OPEN,
        "pending": pending_email_of(request.user),
        "confirm_hours": confirm_hours(),
    }
    return render(request, "learners/account.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def choose_password(request: HttpRequest) -> HttpResponse:
    """A learner's own password. Signed in with a temporary password a teacher gave them, a pupil chooses
    their own here before any other page (learners.middleware), then goes on to the page they had asked for
    (``next``: a join code's link, say), or else to their course (their courses, when they have several).
    Anyone else replaces theirs, typing the one they have now first, and returns to their account page. The
    new password signs out every other session and revokes the account's API token (learners.signals)."""
    temporary = must_choose_password(request.user)
    if temporary:
        form = ChoosePasswordForm(request.user, request.POST or None)
    else:
        form = ChangePasswordForm(request.user, request.POST or None, request=request)
    next_page = _next_page(request) if temporary else None
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, request.user)  # this session goes on; any other one ends
        if not temporary:
            messages.success(
                request,
                "Your new password is saved: sign in with it from now on. Anywhere else you were "
                "signed in, you are signed out.",
            )
            return redirect("learners:account")
        messages.success(request, "Your password is saved: sign in with it from now on.")
        if next_page:
            return redirect(next_page)
        courses = list(visible_courses(request.user).filter(enrollments__learner__user=request.user)[:2])
        if len(courses) == 1:
            return redirect("learners:course", slug=courses[0].slug)
        return redirect("learners:catalogue")
    status = 400 if form.errors else 200
    context = {"form": form, "next": next_page, "temporary": temporary}
    return render(request, "learners/choose_password.html", context, status=status)


def _link_on_its_way(request: HttpRequest, pending: PendingEmail) -> None:
    """Say that the link to confirm a new address is sent, and where reset links go until it is opened."""
    if request.user.email:
        until = f"Until then, links to reset a forgotten password go to {request.user.email}."
    else:
        until = "Until then, your account has no e-mail address for a forgotten password."
    messages.info(
        request,
        f"We sent a link to {pending.email}: open it within {confirm_hours()} hours to make it your e-mail "
        f"address. {until}",
    )


def _send_link(request: HttpRequest, pending: PendingEmail) -> None:
    """Send the link that confirms a new address (learners.accounts.send_confirmation_link) and say so, or
    say why it was not sent."""
    try:
        send_confirmation_link(request, pending)
    except TooManyLinks as refused:
        messages.error(
            request,
            f"The link to confirm {pending.email} was not sent: too many links went to it. Send it again "
            f"from your account page in {refused.wait} seconds.",
        )
    else:
        _link_on_its_way(request, pending)


@login_required
@require_http_methods(["GET", "POST"])
def account_email(request: HttpRequest) -> HttpResponse:
    """The account's e-mail address, where reset links for a forgotten password go: changed, or removed
    (empty), once the account's password confirms it. Removed, it changes at once; a new one waits until its
    owner opens the link e-mailed to it (learners.accounts.change_email, which tells the old address when
    the change takes effect)."""
    form = EmailForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            pending = change_email(request, form.cleaned_data["email"])
        except TooManyLinks as refused:
            form.add_error("email", refused.message)
        else:
            if pending is not None:
                _link_on_its_way(request, pending)
            elif request.user.email:
                messages.success(
                    request, f"Links to reset a forgotten password now go to {request.user.email}."
                )
            else:
                messages.success(
                    request, "Your account has no e-mail address now: ask your teacher for a new password."
                )
            return redirect("learners:account")
    status = 400 if form.errors else 200
    context = {"form": form, "confirm_hours": confirm_hours()}
    return render(request, "learners/email.html", context, status=status)


@login_required
@require_POST
def account_email_resend(request: HttpRequest) -> HttpResponse:
    """The link that confirms the new address waiting, sent again (counted with the reset links to it)."""
    pending = pending_email_of(request.user)
    if pending is None:
        messages.info(request, "No new e-mail address is waiting to be confirmed.")
    else:
        _send_link(request, pending)
    return redirect("learners:account")


@login_required
@require_POST
def account_email_cancel(request: HttpRequest) -> HttpResponse:
    """The new address waiting to be confirmed, dropped: its links no longer confirm it."""
    cancelled = cancel_email_change(request.user)
    if cancelled is None:
        messages.info(request, "No new e-mail address is waiting to be confirmed.")
    else:
        keeps = (
            f"links to reset a forgotten password still go to {request.user.email}"
            if request.user.email
            else "your account has no e-mail address"
        )
        messages.success(request, f"The change to {cancelled.email} is cancelled: {keeps}.")
    return redirect("learners:account")


@require_http_methods(["GET", "POST"])
def account_email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link that confirms a new address: GET asks (a mail scanner that opens links to check them
    confirms nothing), the button POSTs and the address becomes the account's (learners.accounts
    .confirm_email). No sign-in needed: the signed link is the proof, opened from the mailbox. A link
    expired, changed, used already or for an address no longer waiting is a page that says so, status 400,
    and changes nothing."""
    try:
        if request.method == "GET":
            pending = address_to_confirm(token)
            return render(request, "learners/email_confirm.html", {"pending": pending})
        user = confirm_email(request, token)
    except LinkRefused as refused:
        return render(request, "learners/email_confirm.html", {"refused": refused.message}, status=400)
    messages.success(
        request,
        f"{user.email} is now the e-mail address of the account {user.get_username()}: links to reset a "
        "forgotten password go there.",
    )
    return redirect("learners:account" if request.user.pk == user.pk else "login")


class ResetPage:
    """A page of the password reset by e-mail: it says how long a link works, and a refused submit answers
    400, as every other form of the student pages does."""

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), "reset_hours": reset_hours()}

    def form_invalid(self, form) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ResetPasswordRequest(ResetPage, PasswordResetView):
    """Ask for a link to reset a forgotten password, sent to the account's e-mail address (Django's view;
    rate-limited, and the page that follows says the same whether an account has the address or not)."""

    form_class = ResetRequestForm

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "request": self.request}


class ResetPassword(ResetPage, PasswordResetConfirmView):
    """The e-mail's link: a new password, typed twice (Django's view checks the link: it works once, for
    PASSWORD_RESET_HOURS). Saving it signs out every session of the account and revokes its API token."""

    form_class = ResetPasswordForm


@login_required
def account_download(request: HttpRequest) -> JsonResponse:
    """Everything kept about you, as the API's GET /api/v1/account/ gives it, as a file to save."""
    data = AccountDataSerializer(account_data(request.user)).data
    response = JsonResponse(data, json_dumps_params={"indent": 2})
    filename = f"adaptive-learning-{request.user.get_username()}.json"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response

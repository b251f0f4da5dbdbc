"""The forms of the student pages: answering an exercise, signing up (Django's UserCreationForm) and signing
in (Django's AuthenticationForm, on the site and in the admin, rate-limited as the API is).

After a refused submit, each opens on the first field to correct (``autofocus``), so that the learner, and a
screen reader, land where the problem is rather than at the top of the page.
"""

import uuid

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm, UserCreationForm
from django.forms import BoundField
from django.utils.html import format_html, format_html_join

from config.throttles import (
    AccountThrottle,
    AddressThrottle,
    JoinCodeThrottle,
    ResetEmailThrottle,
    over_limit,
)
from courses.join_codes import JOIN_CODE_EXAMPLE
from courses.models import CASE_HELP, FRACTION_HELP, NUMBER_HELP, Exercise
from learners.classroom import choose_own_password
from learners.services import response_problem
from learners.validators import NotThePasswordNowValidator

# The API refuses longer answers too; a text answer is a word or a short phrase.
MAX_RESPONSE_LENGTH = 2000


class FocusFirstErrorBoundField(BoundField):
    """A field that takes the focus when it is the form's first visible field with an error, and gives it
    up to that field otherwise (UserCreationForm would always focus Username)."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        first_error = next((field for field in self.form.visible_fields() if field.errors), None)
        if first_error is not None:
            attrs["autofocus"] = first_error.name == self.name
        return attrs


class AnswerBoundField(FocusFirstErrorBoundField):
    """The answer field, described by the exercise's prompt (id="prompt" on the practice page) as well as by
    Django's own help text and error ids, so that a screen reader reads the question with the field."""

    @property
    def aria_describedby(self) -> str:
        return " ".join(filter(None, ["prompt", super().aria_describedby]))


class ChoiceRadios(forms.RadioSelect):
    """Radio buttons of which only the first takes the field's ``autofocus``: a page focuses one element."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if index:
            option["attrs"].pop("autofocus", None)
        return option


def password_rule_for_a_pupil(validator: object) -> str:
    """One of the password rules (``AUTH_PASSWORD_VALIDATORS``) in words a pupil of nine reads; a validator
    of another kind keeps its own help text."""
    match validator:
        case password_validation.MinimumLengthValidator():
            return f"At least {validator.min_length} letters, digits or other signs."
        case password_validation.UserAttributeSimilarityValidator():
            return "Not like your username."
        case password_validation.CommonPasswordValidator():
            return "Not a password that lots of people use, such as password123."
        case password_validation.NumericPasswordValidator():
            return "Not only digits: put some letters in it too."
        case NotThePasswordNowValidator():
            return "Not the password you have now."
    return validator.get_help_text()


# Django's messages for a refused password, by code, where its words are not a child's ("entirely numeric").
PASSWORD_PROBLEMS_FOR_A_PUPIL = {
    "password_too_common": "Lots of people use this password, so it is easy to guess: choose another.",
    "password_entirely_numeric": "This password is only digits: put some letters in it too.",
    "password_too_similar": "This password is too like your username: choose another.",
    "password_unchanged": "This is the password you have now: choose a new one.",
}


class PasswordsInAPupilsWords:
    """For a form with a new password typed twice (Django's SetPasswordMixin: sign-up, choosing one's own):
    the password rules in a pupil's words under the first box, and every problem on that first box.

    Both boxes come back empty after a refusal (a password is never sent back in a page), and the rules are
    listed under the first: so every problem is shown on the first box, which takes the focus
    (``FocusFirstErrorBoundField``), and the pupil starts again from the top rather than in the second box
    with the first one empty. Two passwords that differ get that one message, not the rules' too."""

    bound_field_class = FocusFirstErrorBoundField
    password_mismatch = "The two passwords were not the same: type your password in both boxes again."
    password_problems = PASSWORD_PROBLEMS_FOR_A_PUPIL

    def explain_password_rules(self, first: str, second: str, *, new_account: bool = False) -> None:
        """``new_account``: the account has no password yet, so the rule against keeping it is not listed."""
        password, again = self.fields[first], self.fields[second]
        rules = [
            rule
            for rule in password_validation.get_default_password_validators()
            if not (new_account and isinstance(rule, NotThePasswordNowValidator))
        ]
        password.help_text = format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>{}</li>", ((password_rule_for_a_pupil(v),) for v in rules)),
        )
        again.label = "The same password again"
        again.help_text = "Type it once more, to be sure there is no typing mistake."

    def validate_passwords(self, password1_field_name="password1", password2_field_name="password2"):
        password1 = self.cleaned_data.get(password1_field_name)
        password2 = self.cleaned_data.get(password2_field_name)
        if password1 and password2 and password1 != password2:
            self.add_error(
                password1_field_name, forms.ValidationError(self.password_mismatch, code="password_mismatch")
            )

    def validate_password_for_user(self, user, password_field_name="password2"):
        first = password_field_name.removesuffix("2") + "1"
        password = self.cleaned_data.get(password_field_name)
        if not password or self.has_error(first):  # typed differently, or refused already
            return
        try:
            password_validation.validate_password(password, user)
        except forms.ValidationError as refused:
            self.add_error(
                first,
                [
                    forms.ValidationError(
                        self.password_problems.get(problem.code, problem.message),
                        code=problem.code,
                        params=problem.params,
                    )
                    for problem in refused.error_list
                ],
            )


# What an account's e-mail address is for, where a learner types it (signing up, the account page).
EMAIL_HELP = (
    "Only to send you a link if you forget your password. We send a link to it first, to check that it is "
    "yours. No e-mail? Leave it empty: your teacher can give you a new password instead."
)


class SignupForm(PasswordsInAPupilsWords, UserCreationForm):
    """Django's sign-up form, opening on the first field to correct after a refused sign-up, and counted
    with the API's sign-ups from the same address (probing which usernames exist); its password rules and
    problems as a pupil reads them (``PasswordsInAPupilsWords``)."""

    class Meta(UserCreationForm.Meta):
        fields = ["username", "email"]

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.explain_password_rules("password1", "password2", new_account=True)
        email = self.fields["email"]
        email.label = "E-mail (if you have one)"
        email.help_text = EMAIL_HELP

    def clean(self):
        if (wait := over_limit(self.request, AddressThrottle)) is not None:
            raise forms.ValidationError(
                f"Too many sign-ups from here: try again in {wait} seconds.", code="throttled"
            )
        return super().clean()


class RateLimitedSignIn:
    """A sign-in form that refuses, before checking the password, a sign-in over the limits of
    config.throttles (counted with the API's): password guessing gets a message, not another try."""

    def clean(self):
        if (wait := over_limit(self.request, AccountThrottle, AddressThrottle)) is not None:
            raise forms.ValidationError(
                f"Too many sign-in attempts from here: try again in {wait} seconds.", code="throttled"
            )
        return super().clean()


class SignInForm(RateLimitedSignIn, AuthenticationForm):
    pass


class AdminSignInForm(RateLimitedSignIn, AdminAuthenticationForm):
    pass


class ChoosePasswordForm(PasswordsInAPupilsWords, SetPasswordForm):
    """A pupil who signed in with a teacher's temporary password chooses their own (Django's SetPasswordForm:
    they have just typed the temporary one, so it is not asked for again; its password rules apply, in a
    child's words: ``PasswordsInAPupilsWords``). Saved, it is the pupil's own: no longer temporary."""

    password_problems = {
        **PASSWORD_PROBLEMS_FOR_A_PUPIL,
        "password_unchanged": "This is the password your teacher gave you: choose one of your own.",
    }

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = "Your own password"
        self.fields["new_password1"].widget.attrs["autofocus"] = True  # the page is for this form alone
        self.explain_password_rules("new_password1", "new_password2")

    def save(self, commit: bool = True):
        choose_own_password(self.user, self.cleaned_data["new_password1"])
        return self.user


def check_own_password(request, password: str, wrong: str) -> None:
    """Refuse (ValidationError) ``password`` unless it is the signed-in account's: the account's page asks
    for it before deleting the account or replacing its password, counted as a sign-in is (AccountThrottle),
    so that a session left open on a shared computer cannot be used to guess it."""
    if (wait := over_limit(request, AccountThrottle)) is not None:
        raise forms.ValidationError(
            f"Too many tries from here: try again in {wait} seconds.", code="throttled"
        )
    if not request.user.check_password(password):
        raise forms.ValidationError(wrong, code="wrong")


class ChangePasswordForm(ChoosePasswordForm):
    """A signed-in learner replaces the password they chose: the one they have now first
    (``check_own_password``), then the new one twice, its rules and problems in a pupil's words as when
    choosing one."""

    password_problems = PASSWORD_PROBLEMS_FOR_A_PUPIL
    old_password = forms.CharField(
        label="Your password now",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        error_messages={"required": "Type the password you sign in with now."},
    )
    field_order = ["old_password", "new_password1", "new_password2"]

    def __init__(self, user, *args, request, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request
        self.fields["new_password1"].label = "Your new password"
        del self.fields["new_password1"].widget.attrs["autofocus"]  # the first box is the password now

    def clean_old_password(self) -> str:
        password = self.cleaned_data["old_password"]
        check_own_password(self.request, password, "This is not the password you sign in with now.")
        return password


class ResetPasswordForm(ChoosePasswordForm):
    """A forgotten password replaced from the link of a reset e-mail (Django's PasswordResetConfirmView):
    the new one twice, its rules in a pupil's words; a temporary password a teacher gave is replaced too."""

    password_problems = {
        **PASSWORD_PROBLEMS_FOR_A_PUPIL,
        "password_unchanged": "This is your password already: you can sign in with it.",
    }

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = "Your new password"


class ResetLinkForm(PasswordResetForm):
    """An e-mail address to send password reset links to (Django's PasswordResetForm: one e-mail to each
    active account with that address and a password; none where there is no such account, which the page
    does not tell apart, so that it does not say who has an account; for the same reason, a mail server that
    fails is logged for whoever runs the site, by Django, and the page is the same)."""

    email = forms.EmailField(
        label="Your account's e-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        error_messages={"required": "Type the e-mail address of your account."},
    )

    def save(self, **kwargs) -> None:
        """Send the links, each e-mail saying how long its link works (``reset_hours``), whoever asks: the
        page (Django's PasswordResetView) or the API (``send_reset_links``)."""
        kwargs["extra_email_context"] = {
            **(kwargs.get("extra_email_context") or {}),
            "reset_hours": reset_hours(),
        }
        super().save(**kwargs)


def reset_hours() -> int:
    """How long a reset link works (PASSWORD_RESET_TIMEOUT), in the hours the pages and the e-mail say."""
    return settings.PASSWORD_RESET_TIMEOUT // 3600


def send_reset_links(request, email: str) -> None:
    """E-mail a reset link to each account with this address, as the page does (``ResetLinkForm``)."""
    form = ResetLinkForm({"email": email})
    if form.is_valid():
        form.save(request=request, use_https=request.is_secure())


class ResetRequestForm(ResetLinkForm):
    """The page's form, counted with the API's requests: links for one address (``ResetEmailThrottle``) and
    everything from one client address (``AddressThrottle``)."""

    bound_field_class = FocusFirstErrorBoundField

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        if (wait := over_limit(self.request, AddressThrottle, ResetEmailThrottle)) is not None:
            raise forms.ValidationError(
                f"Too many reset links asked for: try again in {wait} seconds.", code="throttled"
            )
        return super().clean()


class ConfirmedByPassword(forms.Form):
    """A change to the signed-in account that its password confirms (``check_own_password``: rate-limited
    as a sign-in is), so that a session left open on a shared computer cannot make it."""

    bound_field_class = FocusFirstErrorBoundField
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Type your password to confirm."},
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        check_own_password(self.request, password, "This is not your password.")
        return password


class EmailForm(ConfirmedByPassword):
    """The account's e-mail address for reset links, changed or removed (a session left open must not send
    the account's reset links elsewhere); a new one is used once confirmed from the link sent to it
    (``learners.accounts.change_email``)."""

    email = forms.EmailField(
        label="Your e-mail address",
        required=False,
        max_length=254,
        help_text=EMAIL_HELP,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    field_order = ["email", "password"]

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, initial={"email": request.user.email}, request=request, **kwargs)


class DeleteAccountForm(ConfirmedByPassword):
    """The account page's deletion, confirmed by the account's password."""


class JoinClassForm(forms.Form):
    """A join code, typed as the teacher wrote it on the board (capitals, spaces and dashes do not matter),
    counted with the API's tries (``JoinCodeThrottle``): beyond the limit, a message and no look-up. The view
    joins the class (``learners.services.join_with_code``) and puts a wrong code's message on the field."""

    bound_field_class = FocusFirstErrorBoundField
    code = forms.CharField(
        label="Join code",
        max_length=50,
        help_text=f"The code your teacher gave you, such as {JOIN_CODE_EXAMPLE}. Capitals, spaces and dashes "
        "do not matter.",
        error_messages={"required": "Type the join code your teacher gave you."},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_code(self) -> str:
        if (wait := over_limit(self.request, JoinCodeThrottle)) is not None:
            raise forms.ValidationError(
                f"Too many join codes tried: try again in {wait} seconds.", code="throttled"
            )
        return self.cleaned_data["code"]


class AnswerForm(forms.Form):
    """One answer to one recommended exercise.

    ``idempotency_key`` is a fresh UUID each time the form is rendered, so submitting the same rendered
    form twice (a double click, a refresh that re-posts) records a single attempt.
    """

    response = forms.CharField(label="Your answer", max_length=MAX_RESPONSE_LENGTH, strip=True)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    recommendation = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    exercise = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)
    hints_used = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=100, initial=0)

    def __init__(self, *args, exercise: Exercise, **kwargs):
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.exercise = exercise
        response = self.fields["response"]
        response.error_messages["required"] = "Please give an answer."
        if exercise.type == Exercise.Type.MULTIPLE_CHOICE:
            self.fields["response"] = forms.ChoiceField(
                label="Your answer",
                choices=[(choice, self._in_course_language(choice)) for choice in exercise.choices],
                widget=ChoiceRadios,
                error_messages={"required": "Please choose one of the answers."},
            )
        elif exercise.type in (Exercise.Type.NUMERIC, Exercise.Type.FRACTION):
            # type=text, not type=number: learners answer fractions such as 3/4, and browsers refuse
            # those in a number input. No inputmode either: both kinds take negatives, fractions and mixed
            # numbers ("-7", "3/4", "5 3/4"), and a phone's decimal keypad has no minus, "/" or space.
            # Choosing the keypad by the answer would tell the learner its sign.
            response.widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
            help_text = NUMBER_HELP if exercise.type == Exercise.Type.NUMERIC else FRACTION_HELP
            response.help_text = f"{help_text[0].upper()}{help_text[1:]}."
        else:
            response.widget.attrs.update({"autocomplete": "off", "autocapitalize": "none"})
            if exercise.case_sensitive:
                response.help_text = CASE_HELP
        self.fields["response"].bound_field_class = AnswerBoundField

    def _in_course_language(self, text: str) -> str:
        """A choice marked with the course's language where it is not the page's, as the prompt is."""
        language = self.exercise.course.content_language
        return format_html('<span lang="{}">{}</span>', language, text) if language else text

    def clean_response(self) -> str:
        value = self.cleaned_data["response"]
        if problem := response_problem(self.exercise, value):
            raise forms.ValidationError(problem)
        return value

    def clean(self) -> dict:
        # The hidden fields come from the page itself: an error there means the page was altered (or is
        # from an older version of the site), and the learner would otherwise see no message at all.
        tampered = [
            f"{field.label}: {' '.join(self.errors[field.name]).rstrip('.')}"
            for field in self.hidden_fields()
            if field.name in self.errors
        ]
        if tampered:
            raise forms.ValidationError(
                f"This page was changed before it was sent ({'; '.join(tampered)}). Open the exercise again "
                "to answer it."
            )
        return super().clean()


class PreviewAnswerForm(AnswerForm):
    """A teacher's answer in the preview of an exercise: the same answer field, checked the same way, without
    what ties an answer to a learner's recommendation, as nothing is recorded."""

    idempotency_key = None
    recommendation = None
    exercise = None

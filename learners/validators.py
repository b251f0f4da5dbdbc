"""A password rule of the platform's own, beside Django's (``AUTH_PASSWORD_VALIDATORS``)."""

from django.core.exceptions import ValidationError


class NotThePasswordNowValidator:
    """A new password must differ from the one the account signs in with now: whether a pupil replaces a
    teacher's temporary password, someone changes theirs, or a forgotten one is reset by e-mail. A new
    account, which has no password yet, passes."""

    message = "This is the password the account has now: choose a new one."

    def validate(self, password: str, user=None) -> None:
        if user is not None and user.pk is not None and user.check_password(password):
            raise ValidationError(self.message, code="password_unchanged")

    def get_help_text(self) -> str:
        return "Not the password the account has now."

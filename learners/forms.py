"""The form for answering an exercise (sign-up uses Django's UserCreationForm as it is)."""

import uuid

from django import forms

from courses.models import Exercise
from learners.services import response_problem

# The API refuses longer answers too; a text answer is a word or a short phrase.
MAX_RESPONSE_LENGTH = 2000


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
                choices=[(choice, choice) for choice in exercise.choices],
                widget=forms.RadioSelect,
                error_messages={"required": "Please choose one of the answers."},
            )
        elif exercise.type == Exercise.Type.NUMERIC:
            # type=text, not type=number: learners answer fractions such as 3/4, and browsers refuse
            # those in a number input. inputmode=decimal still brings up the numeric keypad on phones.
            response.widget.attrs.update(
                {"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"}
            )
            response.help_text = "A whole number, a decimal such as 0.75, or a fraction such as 3/4."
        else:
            response.widget.attrs.update({"autocomplete": "off", "autocapitalize": "none"})

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

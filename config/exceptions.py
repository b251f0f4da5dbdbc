"""The API's exception handler: DRF's, with every field error in the one shape the schema documents."""

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's answer, where invalid input is {field: [messages]} throughout (``FieldErrors`` in the schema):
    DRF nests the errors of a list's items under their index ({"usernames": {"0": [...]}}) and of a nested
    object's fields under their names; here they are messages that say where ("item 1: This field may not be
    blank.")."""
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError) and isinstance(response.data, dict):
        response.data = {field: _messages(errors) for field, errors in response.data.items()}
    return response


def _messages(errors: Any, where: str = "") -> list[str]:
    if isinstance(errors, dict):
        return [
            message
            for key, value in errors.items()
            for message in _messages(value, f"{where}{f'item {key + 1}' if isinstance(key, int) else key}: ")
        ]
    if isinstance(errors, list):
        return [message for value in errors for message in _messages(value, where)]
    return [f"{where}{errors}"]

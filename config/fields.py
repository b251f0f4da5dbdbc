"""Serializer fields shared by the API's endpoints."""

from typing import Any

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A string, and only a string: DRF's own field reads a number as its digits, so that ``{"reason": 0}``
    would be stored as "0" and ``{"usernames": [0]}`` looked up as "0", where a client sent the wrong type."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)

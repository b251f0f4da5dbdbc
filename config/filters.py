"""Query-string filters shared by the API's endpoints."""

import django_filters
from django import forms


class StrictBooleanField(forms.Field):
    """true or false (in any case, or 1 and 0); anything else is a field error."""

    def to_python(self, value: str | None) -> bool | None:
        if value in (None, ""):
            return None
        spelled = {"true": True, "1": True, "false": False, "0": False}.get(str(value).lower())
        if spelled is None:
            raise forms.ValidationError("Enter true or false.")
        return spelled


class StrictBooleanFilter(django_filters.BooleanFilter):
    # django-filter's own boolean field reads any other value as "no filter": ?correct=maybe would
    # answer with every attempt instead of a field error.
    field_class = StrictBooleanField

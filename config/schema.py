"""OpenAPI post-processing: every operation documents the error responses the API really gives, each with
the JSON body DRF sends: ``Error`` ({"detail": message}) or, for invalid input, ``FieldErrors``; and the
pieces views share in their own descriptions (those responses, the ``Location`` of a 201)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

ERROR_SCHEMA = {
    "type": "object",
    "description": "What went wrong, in words.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": (
        "Invalid input: {field: [messages]} for each field at fault (non_field_errors: the input as a "
        "whole), or {'detail': message} when the body could not be read at all (not JSON, say)."
    ),
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
COMPONENTS = {"Error": ERROR_SCHEMA, "FieldErrors": FIELD_ERRORS_SCHEMA}

# The standard error responses: description and body.
ERRORS = {
    "400": ("Invalid input; each field names its problem.", "FieldErrors"),
    "401": ("No or invalid credentials.", "Error"),
    "403": ("Not allowed for this account.", "Error"),
    "404": ("No such object (or page).", "Error"),
}
# DRF refuses a body in a media type none of the operation's parsers reads.
UNSUPPORTED_MEDIA_TYPE = ("The body is in a media type this operation does not read.", "Error")


def _location(status: int, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        "Location", OpenApiTypes.URI, OpenApiParameter.HEADER, response=[status], description=description
    )


# Where what a 201 created can be read, and where the state of what a 202 queued can be followed.
CREATED_LOCATION = _location(201, "The URL of what was created.")
ACCEPTED_LOCATION = _location(202, "The URL where what was queued can be followed.")


def _ref(component: str) -> dict:
    return {"$ref": f"#/components/schemas/{component}"}


def error_response(description: str) -> OpenApiResponse:
    """An error response of a view's own, with the body DRF sends: {"detail": message}."""
    return OpenApiResponse(_ref("Error"), description=description)


def field_errors_response(description: str) -> OpenApiResponse:
    """A 400 or 422 of a view's own, with the body of invalid input: {field: [messages]}."""
    return OpenApiResponse(_ref("FieldErrors"), description=description)


def add_error_responses(result: dict, generator: object, request: object, public: bool) -> dict:
    """Add the standard error responses to every operation that does not describe them itself, and 415 to
    every operation that reads a body (DRF refuses a media type none of its parsers reads)."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            errors = dict(ERRORS)
            if "requestBody" in operation:
                errors["415"] = UNSUPPORTED_MEDIA_TYPE
            for code, (description, component) in errors.items():
                content = {"application/json": {"schema": _ref(component)}}
                responses.setdefault(code, {"description": description, "content": content})
    return result

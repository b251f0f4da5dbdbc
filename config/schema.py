"""OpenAPI post-processing: every operation documents the error responses the API really gives."""

ERROR_SCHEMA = {
    "type": "object",
    "description": "Either {'detail': message} or, for invalid input, {field: [messages]} per field.",
    "additionalProperties": {},
}
ERRORS = {
    "400": "Invalid input; each field names its problem.",
    "401": "No or invalid credentials.",
    "403": "Not allowed for this account.",
    "404": "No such object (or page).",
}


def add_error_responses(result: dict, generator: object, request: object, public: bool) -> dict:
    """Add the standard error responses to every operation that does not describe them itself."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result

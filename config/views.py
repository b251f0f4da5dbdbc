"""Site-wide error views: API clients get JSON errors, people get pages."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt  # whatever the method, the answer is the same 404; a token client has no CSRF cookie
def api_not_found(request: HttpRequest) -> JsonResponse:
    """A path under /api/ that no route matches: JSON, as DRF's own 404s.

    A route rather than a ``handler404``, which Django skips while DEBUG is on (the development default):
    an API client would otherwise get an HTML page there.
    """
    return JsonResponse({"detail": "Not found."}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an unexpected error is JSON under /api/, as every other API answer, and Django's
    page elsewhere. (With DEBUG on, Django shows its technical page instead, for the developer.)"""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error: the request could not be completed."}, status=500)
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler400``: a body over DATA_UPLOAD_MAX_MEMORY_SIZE, which Django refuses while reading it (for a
    form, before any view runs: its CSRF check reads the form first), is a 413 that says the limit: JSON under
    /api/, as every API error, and a page elsewhere (a long course document pasted in the admin) that says
    what to do instead. Any other bad request gets Django's answer. (With DEBUG on, Django shows its
    technical page instead.)"""
    if not isinstance(exception, RequestDataTooBig):
        return defaults.bad_request(request, exception)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if request.path.startswith("/api/"):
        detail = f"The request body is over this server's limit of {limit} bytes"
        return JsonResponse({"detail": f"{detail} (DATA_UPLOAD_MAX_MEMORY_SIZE)."}, status=413)
    return TemplateResponse(request, "request_too_large.html", {"limit": limit}, status=413)

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
    """``handler400``: a form over DATA_UPLOAD_MAX_MEMORY_SIZE (a long course document pasted in the admin),
    which Django refuses before any view runs (its CSRF check reads the form first), is a 413 page that says
    the limit and what to do instead; any other bad request gets Django's answer. The API reads JSON bodies
    only and answers its own 413s. (With DEBUG on, Django shows its technical page instead.)"""
    if not isinstance(exception, RequestDataTooBig):
        return defaults.bad_request(request, exception)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return TemplateResponse(request, "request_too_large.html", {"limit": limit}, status=413)

"""Site-wide error views: API clients get JSON errors, people get pages."""

from django.http import HttpRequest, HttpResponse, JsonResponse
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

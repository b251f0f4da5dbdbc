"""The site's URLs plus a view that fails as an unexpected bug would, under /api/ and outside it."""

from django.http import HttpRequest
from django.urls import path

from config import urls


def fail(request: HttpRequest):
    raise RuntimeError("an unexpected bug")


handler500 = urls.handler500
urlpatterns = [path("api/v1/failing/", fail), path("failing/", fail), *urls.urlpatterns]

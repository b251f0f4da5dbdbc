"""The REST API's routes under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from courses.api import CourseViewSet, OverrideViewSet
from learners.api import AttemptViewSet, RegisterView, TokenView
from metamodel.api import ModelVersionViewSet, TrainingRunViewSet

router = DefaultRouter()
router.register("courses", CourseViewSet, basename="course")
router.register("attempts", AttemptViewSet, basename="attempt")
router.register("overrides", OverrideViewSet, basename="override")
router.register("training-runs", TrainingRunViewSet, basename="training-run")
router.register("model-versions", ModelVersionViewSet, basename="model-version")

urlpatterns = [
    path("auth/register/", RegisterView.as_view(), name="api-register"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    *router.urls,
]

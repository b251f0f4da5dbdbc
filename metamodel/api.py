"""The model's state over the API: training runs (start one: staff with the permission) and versions
(activate one: staff with the change permission)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from config.schema import ACCEPTED_LOCATION
from courses.teachers import taught_slugs
from metamodel.histories import summary_seen
from metamodel.models import ModelVersion, TrainingRun
from metamodel.training import (
    BrokerUnreachable,
    CannotActivate,
    RunInProgress,
    activate_version,
    can_mark_runs_failed,
    mark_runs_failed,
    start_training_run,
)


class CanSeeOrStartTraining(permissions.BasePermission):
    """Reading needs the view permission (teachers have it); starting a run needs add_trainingrun."""

    def has_permission(self, request: Request, view: object) -> bool:
        user = request.user
        if request.method in permissions.SAFE_METHODS:
            return user.has_perm("metamodel.view_trainingrun")
        return user.has_perm("metamodel.add_trainingrun")


class CanActivateVersions(permissions.BasePermission):
    """Choosing the version learners are served needs change_modelversion (superusers have it)."""

    def has_permission(self, request: Request, view: object) -> bool:
        return request.user.has_perm("metamodel.change_modelversion")


class CanStopRuns(permissions.BasePermission):
    """Failing a run stuck in progress needs change_trainingrun (superusers have it), as in the admin."""

    def has_permission(self, request: Request, view: object) -> bool:
        return can_mark_runs_failed(request.user)


class OutcomeField(serializers.ChoiceField):
    """A run's outcome, null until it has one (queued, running or failed): the model keeps a blank."""

    def to_representation(self, value: str) -> str | None:
        return value or None


class TrainingRunSerializer(serializers.ModelSerializer):
    outcome = OutcomeField(
        choices=TrainingRun.Outcome.choices,
        allow_null=True,
        read_only=True,
        help_text="What a succeeded run came to; null while queued or running, and for a failed run.",
    )
    model_version = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The version it trained (promoted or rejected); null while queued or running, and for a "
        "failed or skipped run.",
    )
    seed = serializers.IntegerField(
        min_value=0,
        max_value=2**31 - 1,
        default=0,
        help_text="The seed of its random draws (0 when omitted): the same seed on the same data trains the "
        "same model. A whole number from 0 to 2147483647, as `manage.py train --seed` takes.",
    )
    data_summary = serializers.SerializerMethodField(
        help_text="What it learned from in the courses you teach (every course, for a superuser), per course "
        "slug: attempts, learners, and attempts by where they came from (web, api, import, simulation)."
    )

    class Meta:
        model = TrainingRun
        fields = [
            "id", "status", "outcome", "trigger", "seed", "attempts_used", "data_summary", "data_fingerprint",
            "result", "model_version", "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = [f for f in fields if f != "seed"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_data_summary(self, run: TrainingRun) -> dict:
        return summary_seen(run.data_summary, self.context["courses_taught"])


class ModelVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = [
            "id", "status", "training_run", "parent", "sha256", "format_version", "data_fingerprint",
            "metrics", "reason", "created_at", "activated_at",
        ]  # fmt: skip
        read_only_fields = fields  # chosen by training and activation, never written over the API


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class RefusalSerializer(DetailSerializer):
    training_run = serializers.IntegerField(help_text="The run already in progress, or the one that failed.")


def refusal(error: Exception, run: TrainingRun, code: int) -> Response:
    return Response({"detail": str(error), "training_run": run.pk}, status=code)


class TrainingRunViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = TrainingRun.objects.select_related("model_version")
    serializer_class = TrainingRunSerializer
    permission_classes = [CanSeeOrStartTraining]
    filterset_fields = ["status", "outcome", "trigger"]

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):  # drf-spectacular builds the schema anonymously
            context["courses_taught"] = taught_slugs(self.request.user)  # read once for a page of runs
        return context

    @extend_schema(
        description="Queue a meta-training run on the training workers; the 202's `Location` is the run, to "
        "follow its status.",
        parameters=[ACCEPTED_LOCATION],
        responses={
            202: OpenApiResponse(
                TrainingRunSerializer,
                description="Queued (where tasks run in-process, already finished: see its status).",
            ),
            409: OpenApiResponse(RefusalSerializer, description="A run is already queued or running."),
            503: OpenApiResponse(
                RefusalSerializer, description="The task broker is unreachable; the run is failed."
            ),
        },
    )
    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            run = start_training_run("api", request.user, serializer.validated_data.get("seed", 0))
        except RunInProgress as busy:
            return refusal(busy, busy.run, status.HTTP_409_CONFLICT)
        except BrokerUnreachable as error:
            return refusal(error, error.run, status.HTTP_503_SERVICE_UNAVAILABLE)
        where = reverse("training-run-detail", args=[run.pk], request=request)
        body = self.get_serializer(run).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": where})

    @extend_schema(
        request=None,
        description="Mark a run stuck queued or running as failed (its process was stopped: the server "
        "restarted, or `train` was killed, while it trained), so that a new run may start at once; a worker "
        "that still finishes it records nothing (the artifact it wrote is deleted). The admin's \"Mark as "
        'failed" action does the same.',
        responses={
            200: TrainingRunSerializer,
            409: OpenApiResponse(DetailSerializer, description="The run is not queued or running."),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[CanStopRuns])
    def fail(self, request: Request, pk: str) -> Response:
        run = self.get_object()
        if not mark_runs_failed(TrainingRun.objects.filter(pk=run.pk), by=request.user.get_username()):
            run.refresh_from_db()
            detail = f"Training run {run.pk} is {run.get_status_display().lower()}, not queued or running."
            return Response({"detail": detail}, status=status.HTTP_409_CONFLICT)
        run.refresh_from_db()
        return Response(self.get_serializer(run).data)


class ModelVersionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ModelVersion.objects.all()
    serializer_class = ModelVersionSerializer
    permission_classes = [CanSeeOrStartTraining]
    filterset_fields = ["status"]

    @extend_schema(
        request=None,
        description=(
            "Serve this version to learners (a rollback): once its artifact has loaded, the active version "
            "is retired and this one activated, in one transaction. Both keep their `reason` (why training "
            'promoted or rejected them), each with a line added: "activated by hand by NAME on DATE UTC in '
            'place of vN" and "replaced by hand by NAME on DATE UTC with vM".'
        ),
        responses={
            200: ModelVersionSerializer,
            409: OpenApiResponse(DetailSerializer, description="Its artifact is unusable; nothing changed."),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[CanActivateVersions])
    def activate(self, request: Request, pk: str) -> Response:
        try:
            version = activate_version(self.get_object().pk, by=request.user.get_username())
        except CannotActivate as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(version).data)

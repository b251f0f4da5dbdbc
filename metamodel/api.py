"""The model's state over the API: training runs (start one: staff with the permission) and versions."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from metamodel.models import ModelVersion, TrainingRun
from metamodel.training import start_training_run


class CanSeeOrStartTraining(permissions.BasePermission):
    """Reading needs the view permission (teachers have it); starting a run needs add_trainingrun."""

    def has_permission(self, request: Request, view: object) -> bool:
        user = request.user
        if request.method in permissions.SAFE_METHODS:
            return user.has_perm("metamodel.view_trainingrun")
        return user.has_perm("metamodel.add_trainingrun")


class TrainingRunSerializer(serializers.ModelSerializer):
    model_version = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = TrainingRun
        fields = [
            "id", "status", "trigger", "seed", "attempts_used", "data_fingerprint", "result", "model_version",
            "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = [f for f in fields if f != "seed"]


class ModelVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = [
            "id", "status", "training_run", "parent", "sha256", "format_version", "data_fingerprint",
            "metrics", "reason", "created_at", "activated_at",
        ]  # fmt: skip


class TrainingRunViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = TrainingRun.objects.select_related("model_version")
    serializer_class = TrainingRunSerializer
    permission_classes = [CanSeeOrStartTraining]
    filterset_fields = ["status", "trigger"]

    @extend_schema(description="Queue a meta-training run on the training workers.")
    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            run = start_training_run("api", request.user, serializer.validated_data.get("seed", 0))
        run.refresh_from_db()  # as it stands after the commit: queued, or done where tasks run in-process
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)


class ModelVersionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ModelVersion.objects.all()
    serializer_class = ModelVersionSerializer
    permission_classes = [CanSeeOrStartTraining]
    filterset_fields = ["status"]

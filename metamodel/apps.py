from django.apps import AppConfig
from django.conf import settings


class MetamodelConfig(AppConfig):
    name = "metamodel"
    verbose_name = "Learning engine"

    def ready(self) -> None:
        import torch

        # One intra-op thread per process by default: the model's tensors are small, and on a few shared
        # cores torch's threads spin waiting for each other (serving latency measured 10-20 times worse,
        # docs/benchmarks.md). Scale out with processes instead.
        torch.set_num_threads(settings.TORCH_THREADS)

"""python manage.py prune_artifacts [--keep N] [--dry-run]: free the space of old versions' artifacts."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from metamodel.training import prune_artifacts


class Command(BaseCommand):
    help = (
        "Delete the artifact files of old model versions: all but the active version's and those of the N "
        "latest others, which stay to roll back to. The versions stay listed with their metrics."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--keep",
            type=int,
            default=settings.MODEL_ARTIFACTS_KEPT,
            help="Versions besides the active one whose artifacts are kept (default: MODEL_ARTIFACTS_KEPT, "
            f"{settings.MODEL_ARTIFACTS_KEPT}).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Say what it would delete, only.")

    def handle(self, *args: object, keep: int, dry_run: bool, **options: object) -> None:
        if keep < 0:
            raise CommandError(f"--keep must be 0 or more, not {keep}.")
        pruned, freed = prune_artifacts(keep, dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        versions = ", ".join(f"v{version.pk}" for version in pruned) or "none"
        self.stdout.write(
            f"{verb} {freed / 1e6:.1f} MB: the artifacts of {len(pruned)} model versions ({versions}); the "
            f"active version's and those of the {keep} latest others stay."
        )

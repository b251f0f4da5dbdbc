"""Print the tables of docs/benchmarks.md from the reports that benchmarks/evaluate_all.sh wrote.

.venv/bin/python benchmarks/summarize.py [benchmarks/out]
"""

import json
import sys
from pathlib import Path

SETS = ("assist2009", "statics2011", "assist2015")
MODELS = ("meta", "ablation", "best-lr", "elo", "bkt")
BUCKETS = ("1-5", "6-10", "11-20", "21-50", "51+")


def fig(value: float | None, digits: int = 4) -> str:
    """A report's figure as the tables print it; a dash where it is undefined (null: one class only)."""
    return "—" if value is None else f"{value:.{digits}f}"


def load(folder: Path, name: str) -> dict | None:
    path = folder / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "out")
    for data_set in SETS:
        print(f"\n### {data_set} (fold 0, split protocol)\n")
        print(
            "| model | AUC | AUC pos. 1-10 | "
            + " | ".join(f"AUC {b}" for b in BUCKETS)
            + " | acc. | RMSE | log loss "
            "| ECE | train s | peak MB |"
        )
        print("|---" * (9 + len(BUCKETS)) + "|")
        for model in MODELS:
            report = load(folder, f"{data_set}-{model}")
            if report is None:
                continue
            buckets = " | ".join(fig(report["auc_by_position"][b]["auc"]) for b in BUCKETS)
            print(
                f"| {model} | {fig(report['auc'])} | {fig(report['auc_positions_1_10'])} | {buckets} | "
                f"{fig(report['accuracy'])} | {fig(report['rmse'])} | {fig(report['log_loss'])} | "
                f"{fig(report['ece'])} | {fig(report['training_seconds'], 0)} | "
                f"{fig(report['peak_memory_mb'], 0)} |"
            )
    print("\n### Replay of an unseen course (the other two data sets as --pretrain)\n")
    print("| data set | model | AUC first 1,000 | AUC whole file | AUC pos. 1-10 | ECE | pretrain s |")
    print("|---|---|---|---|---|---|---|")
    for data_set in SETS:
        for model in ("meta", "elo"):
            report = load(folder, f"{data_set}-{model}-replay")
            if report is None:
                continue
            print(
                f"| {data_set} | {model} | {fig(report['first_1000']['auc'])} | {fig(report['auc'])} | "
                f"{fig(report['auc_positions_1_10'])} | {fig(report['ece'])} | "
                f"{fig(report['training_seconds'], 0)} |"
            )


if __name__ == "__main__":
    main()

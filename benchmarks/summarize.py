"""Print the tables of docs/benchmarks.md from the reports that benchmarks/evaluate_all.sh wrote.

.venv/bin/python benchmarks/summarize.py [benchmarks/out]
"""

import json
import sys
from pathlib import Path

SETS = ("assist2009", "statics2011", "assist2015")
MODELS = ("meta", "ablation", "best-lr", "elo", "bkt")
BUCKETS = ("1-5", "6-10", "11-20", "21-50", "51+")


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
            buckets = " | ".join(f"{report['auc_by_position'][b]['auc']:.4f}" for b in BUCKETS)
            print(
                f"| {model} | {report['auc']:.4f} | {report['auc_positions_1_10']:.4f} | {buckets} | "
                f"{report['accuracy']:.4f} | {report['rmse']:.4f} | {report['log_loss']:.4f} | "
                f"{report['ece']:.4f} | {report['training_seconds']:.0f} | {report['peak_memory_mb']:.0f} |"
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
                f"| {data_set} | {model} | {report['first_1000']['auc']:.4f} | {report['auc']:.4f} | "
                f"{report['auc_positions_1_10']:.4f} | {report['ece']:.4f} | "
                f"{report['training_seconds']:.0f} |"
            )


if __name__ == "__main__":
    main()

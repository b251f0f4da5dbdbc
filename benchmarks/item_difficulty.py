"""Do BKT's guess and slip of an exercise shift with its difficulty, on the shared data sets (fold 0's
training learners)? The engine's knowledge tracing assumes they do, by one logit per logit of difficulty d:
slip = sigmoid(logit(0.1) + d) and guess = sigmoid(logit(0.25) - d) (``metamodel.policy.slip_and_guess``),
i.e. a slope of -1 for logit(guess) and +1 for logit(slip) against d.

    nice -n 10 env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/item_difficulty.py \
        [--data-dir ../shared/datasets] [--sets assist2009 statics2011 assist2015] [--max-skills 25] \
        [--max-attempts-per-skill 4000] [--num-fits 2] [--json OUT]

Method, per data set:

1. *Difficulty.* Only the training learners of ``--fold`` (``metamodel.ml.data.is_test_learner``); test
   learners are never read past the split. Each exercise's d = logit((wrong + 1) / (n + 2)) over each
   learner's *first* attempt at it (``--attempts all``: every attempt; repeats are under 2 % of attempts on
   assist2009 and statics2011, but most attempts on assist2015, where the exercise is the whole skill),
   centred so that the unweighted mean over the binned exercises is 0. Positive = harder, in logits of the
   error rate, i.e. the marginal difficulty over the learners who tried the exercise, not a Rasch d
   conditional on ability (which would be somewhat wider). Exercises with fewer than ``--min-attempts``
   such attempts are not binned: their attempts stay in the BKT sequences, under their own guess/slip
   class ("rare"), which is fitted but not reported.
2. *Bins.* Quintiles of d over the binned exercises of the whole data set (bin 1 = easiest).
3. *Fit.* pyBKT (``Model(seed, num_fits, parallel=False)``, ``forgets=False``, ``multigs`` on a column
   holding the bin), one model per skill, on the ``--max-skills`` skills with most training attempts among
   those with at least ``--min-cell`` attempts in each of two or more bins (one exercise per skill: the
   most practised skill of each bin in turn, so that every bin has skills). A skill's rows are subsampled
   to whole sequences of randomly drawn learners (seeded) until ``--max-attempts-per-skill`` (pyBKT is pure
   Python, about 1 ms per attempt per restart). Rows are built as ``PerSkillBKT`` builds them: a
   multi-skill attempt is one observation of each of its skills.
4. *Figures.* A (skill, bin) cell is reported when it has at least ``--min-cell`` fitted attempts. Per
   bin: the exercises' mean d, the median over skills of the fitted guess and slip, and the engine's
   guess and slip at that d. Slopes, guess and slip clipped to [0.001, 0.999] before the logit:
   *across bins* = unweighted least squares of logit(median guess) (resp. slip) on the bins' mean d, over
   the bins with a reported cell (what the table shows; the set of skills differs between bins);
   *within skills* = least squares of logit(guess) on the cell's attempt-weighted mean d with one
   intercept per skill, weighted by the cell's attempts (skill differences cancel; the figure to
   compare with -1 / +1), with a 95 % percentile interval from ``--bootstrap`` resamplings of the skills
   (skill-to-skill variation only: the fits are not redone, so EM restarts and the learner subsample
   are not in it); and how many skills with three or more cells have their own least-squares slope of
   the assumed sign.

Where every skill has one exercise (assist2015: exercise = skill) d cannot vary within a skill: each
skill is then one cell (plain BKT), and only the *between-skill* slope is given (weighted by attempts, no
per-skill intercept, the same bootstrap). It mixes difficulty with every other difference between skills
(prior, learning rate, how long learners practise) and is not a measurement of the within-skill shift.

Prints the command, ``git rev-parse HEAD``, a table and a one-line summary per data set; ``--json OUT``
writes the figures, including every reported cell.
"""

import argparse
import json
import shlex
import sys
import time
import warnings
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metamodel.ml.baselines import bkt_rows
from metamodel.ml.data import AttemptRecord, is_test_learner, read_attempt_log
from metamodel.ml.evaluation import git_commit
from metamodel.policy import slip_and_guess

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "datasets"
SETS = ("assist2009", "statics2011", "assist2015")
N_BINS = 5
RARE = "rare"
CLIP = 1e-3


def logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), CLIP, 1 - CLIP)
    return np.log(p / (1 - p))


def difficulties(train: list[AttemptRecord], attempts: str, min_attempts: int) -> dict[str, float]:
    """Centred d of each exercise with at least ``min_attempts`` counted attempts (step 1)."""
    n: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    for r in train:
        if attempts == "first":
            if (r.learner, r.exercise) in seen:
                continue
            seen.add((r.learner, r.exercise))
        n[r.exercise] += 1
        wrong[r.exercise] += 1 - r.correct
    raw = {e: float(logit((wrong[e] + 1) / (n[e] + 2))) for e in n if n[e] >= min_attempts}
    centre = float(np.mean(list(raw.values())))
    return {e: v - centre for e, v in raw.items()}


def slope(x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None, groups=None) -> float:
    """Weighted least-squares slope of y on x, with one intercept per group (or one in all)."""
    w = np.ones_like(x) if w is None else w
    groups = np.zeros(len(x), dtype=int) if groups is None else groups
    xt, yt = x.astype(float).copy(), y.astype(float).copy()
    for g in np.unique(groups):
        m = groups == g
        xt[m] -= np.average(x[m], weights=w[m])
        yt[m] -= np.average(y[m], weights=w[m])
    sxx = float(np.sum(w * xt * xt))
    return float(np.sum(w * xt * yt) / sxx) if sxx > 0 else float("nan")


def bootstrap(
    x: np.ndarray, ys: list[np.ndarray], w: np.ndarray, skills: np.ndarray, within: bool, reps: int, seed: int
) -> list[list[float]]:
    """95 % intervals of each y's slope (as in :func:`measure`) over ``reps`` resamplings of the skills."""
    rng = np.random.default_rng(seed)
    names = np.unique(skills)
    rows = {name: np.flatnonzero(skills == name) for name in names}
    draws = []
    for _ in range(reps):
        picked = rng.choice(names, len(names))
        index = np.concatenate([rows[name] for name in picked])
        # A skill drawn twice is two skills, each with its own intercept.
        groups = np.repeat(np.arange(len(picked)), [len(rows[name]) for name in picked]) if within else None
        draws.append([slope(x[index], y[index], w[index], groups) for y in ys])
    return [[float(v) for v in np.nanpercentile(column, [2.5, 97.5])] for column in np.array(draws).T]


def bkt_frame(train: list[AttemptRecord], skills: set[str]):
    """One row per (attempt, skill in ``skills``), as ``PerSkillBKT`` fits them, plus the exercise."""
    learner_index: dict[str, int] = {}
    task = np.array([learner_index.setdefault(r.learner, len(learner_index)) for r in train])
    frame = bkt_rows([r.skills for r in train], task, np.array([r.correct for r in train]), skills)
    frame["exercise"] = [train[row].exercise for row in frame["row"]]
    return frame


def capped(frame, cap: int, seed: int):
    """Each skill's rows of whole sequences of learners drawn at random until ``cap`` rows."""
    rng = np.random.default_rng(seed)
    keep = []
    for _, rows in frame.groupby("skill_name", sort=True):
        sizes = rows.groupby("user_id").size()
        users = sizes.index.to_numpy()[rng.permutation(len(sizes))]
        total, chosen = 0, []
        for user in users:
            if chosen and total + sizes[user] > cap:
                continue
            chosen.append(user)
            total += sizes[user]
        keep.append(rows[rows["user_id"].isin(chosen)])
    return pd.concat(keep).sort_values("order_id")


def measure(path: Path, args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    train = [r for r in read_attempt_log(path) if not is_test_learner(r.learner, args.fold)]
    d = difficulties(train, args.attempts, args.min_attempts)
    edges = np.quantile(list(d.values()), np.arange(1, N_BINS) / N_BINS)
    bin_of = {e: int(np.searchsorted(edges, v, side="right")) for e, v in d.items()}
    label = {e: str(b) for e, b in bin_of.items()}

    exercises_of: dict[str, set[str]] = defaultdict(set)
    skill_rows: Counter[str] = Counter()
    cell_rows: Counter[tuple[str, int]] = Counter()
    for r in train:
        for s in r.skills:
            exercises_of[s].add(r.exercise)
            skill_rows[s] += 1
            if r.exercise in bin_of:
                cell_rows[(s, bin_of[r.exercise])] += 1
    within = any(len(e) > 1 for e in exercises_of.values())
    by_attempts = sorted(skill_rows, key=lambda s: (-skill_rows[s], s))
    if within:
        spans = {s: sum(cell_rows[(s, b)] >= args.min_cell for b in range(N_BINS)) for s in by_attempts}
        chosen = [s for s in by_attempts if spans[s] >= 2][: args.max_skills]
    else:
        # One bin per skill: the most practised skills of each bin in turn, so that every bin is filled.
        queues = [[s for s in by_attempts if cell_rows[(s, b)] >= args.min_cell] for b in range(N_BINS)]
        order = [q[i] for i in range(max(map(len, queues))) for q in queues if i < len(q)]
        chosen = order[: args.max_skills]

    frame = capped(bkt_frame(train, set(chosen)), args.max_attempts_per_skill, args.seed)
    frame["gs"] = frame["exercise"].map(label).fillna(RARE)
    frame["d"] = frame["exercise"].map(d)
    from pyBKT.models import Model

    fit_started = time.perf_counter()
    model = Model(seed=args.seed, num_fits=args.num_fits, parallel=False)
    model.fit(data=frame.drop(columns=["row", "exercise", "d"]), multigs="gs", forgets=False)
    fit_seconds = time.perf_counter() - fit_started

    cells = []
    for (skill, gs), rows in frame.groupby(["skill_name", "gs"], sort=True):
        if gs == RARE or len(rows) < args.min_cell:
            continue
        fitted = model.fit_model[skill]
        index = fitted["gs_names"][gs]
        cells.append(
            {
                "skill": skill,
                "bin": int(gs) + 1,
                "attempts": len(rows),
                "learners": int(rows["user_id"].nunique()),
                "mean_d": float(rows["d"].mean()),
                "correct": float(rows["correct"].mean()),
                "guess": float(fitted["guesses"][index]),
                "slip": float(fitted["slips"][index]),
                "prior": float(fitted["prior"]),
                "learn": float(fitted["learns"][0]),
            }
        )

    bins = []
    for b in range(N_BINS):
        members = np.array([v for e, v in d.items() if bin_of[e] == b])
        here = [c for c in cells if c["bin"] == b + 1]
        mean_d = float(members.mean())
        engine_slip, engine_guess = slip_and_guess(mean_d)
        attempts = sum(c["attempts"] for c in here)
        bins.append(
            {
                "bin": b + 1,
                "exercises": len(members),
                "d_range": [float(members.min()), float(members.max())],
                "mean_d": mean_d,
                "skills": len(here),
                "attempts": attempts,
                "correct": sum(c["correct"] * c["attempts"] for c in here) / attempts if here else None,
                "median_guess": float(np.median([c["guess"] for c in here])) if here else None,
                "median_slip": float(np.median([c["slip"] for c in here])) if here else None,
                "engine_guess": engine_guess,
                "engine_slip": engine_slip,
            }
        )

    filled = [b for b in bins if b["skills"]]
    x = np.array([b["mean_d"] for b in filled])
    result = {
        "data_set": path.stem,
        "mode": "within skills" if within else "between skills (one exercise per skill)",
        "training_learners": len({r.learner for r in train}),
        "training_attempts": len(train),
        "binned_exercises": len(d),
        "exercises": len({r.exercise for r in train}),
        "bin_edges": [float(e) for e in edges],
        "skills_fitted": chosen,
        "fitted_rows": len(frame),
        "fitted_rows_rare": int((frame["gs"] == RARE).sum()),
        "bins": bins,
        "slope_guess_across_bins": slope(x, logit([b["median_guess"] for b in filled])),
        "slope_slip_across_bins": slope(x, logit([b["median_slip"] for b in filled])),
        "cells": cells,
        "cells_clipped": sum(int(not CLIP <= c[k] <= 1 - CLIP) for c in cells for k in ("guess", "slip")),
        "fit_seconds": fit_seconds,
    }
    cx = np.array([c["mean_d"] for c in cells])
    cw = np.array([c["attempts"] for c in cells], dtype=float)
    guess, slip = logit([c["guess"] for c in cells]), logit([c["slip"] for c in cells])
    skills = np.array([c["skill"] for c in cells])
    result["interval_guess"], result["interval_slip"] = bootstrap(
        cx, [guess, slip], cw, skills, within, args.bootstrap, args.seed
    )
    if within:
        result["slope_guess_within_skills"] = slope(cx, guess, cw, skills)
        result["slope_slip_within_skills"] = slope(cx, slip, cw, skills)
        own = [s for s in np.unique(skills) if (skills == s).sum() >= 3]
        result["skills_with_3_cells"] = len(own)
        own_guess = [slope(cx[skills == s], guess[skills == s]) for s in own]
        own_slip = [slope(cx[skills == s], slip[skills == s]) for s in own]
        result["skills_guess_slope_negative"] = sum(int(v < 0) for v in own_guess)
        result["skills_slip_slope_positive"] = sum(int(v > 0) for v in own_slip)
    else:
        result["slope_guess_between_skills"] = slope(cx, guess, cw)
        result["slope_slip_between_skills"] = slope(cx, slip, cw)
    result["seconds"] = time.perf_counter() - started
    return result


def fmt(value: float | None, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


def report(result: dict, args: argparse.Namespace) -> None:
    print(
        f"\n== {result['data_set']}: {result['mode']}; {result['training_learners']} training learners, "
        f"{result['training_attempts']} attempts; {result['binned_exercises']} of {result['exercises']} "
        f"exercises binned (>= {args.min_attempts} {args.attempts} attempts); "
        f"{len(result['skills_fitted'])} skills fitted on {result['fitted_rows']} rows "
        f"({result['fitted_rows_rare']} under 'rare'), pyBKT {result['fit_seconds']:.0f} s"
    )
    print(f"   skills: {' '.join(result['skills_fitted'])}")
    print(
        "   bin  exercises  d range          mean d  skills  attempts  %right  "
        "guess (median)  slip (median)  engine guess  engine slip"
    )
    for b in result["bins"]:
        low, high = b["d_range"]
        percent = fmt(None if b["correct"] is None else 100 * b["correct"], "6.1f")
        print(
            f"   {b['bin']:>3}  {b['exercises']:>9}  [{low:+.2f}, {high:+.2f}]  {b['mean_d']:+6.2f}  "
            f"{b['skills']:>6}  {b['attempts']:>8}  {percent}  "
            f"{fmt(b['median_guess']):>14}  {fmt(b['median_slip']):>13}  {b['engine_guess']:>12.3f}  "
            f"{b['engine_slip']:>11.3f}"
        )

    def interval(name: str) -> str:
        low, high = result[f"interval_{name}"]
        return f"(95 % over skills {low:+.2f} to {high:+.2f})"

    across = (
        f"across bins: logit(guess) {result['slope_guess_across_bins']:+.2f}, "
        f"logit(slip) {result['slope_slip_across_bins']:+.2f} per logit of d"
    )
    if "slope_guess_within_skills" in result:
        detail = (
            f"within skills: logit(guess) {result['slope_guess_within_skills']:+.2f} {interval('guess')}, "
            f"logit(slip) {result['slope_slip_within_skills']:+.2f} {interval('slip')}; "
            f"of {result['skills_with_3_cells']} skills with >= 3 bins, guess falls with d in "
            f"{result['skills_guess_slope_negative']}, slip rises in {result['skills_slip_slope_positive']}"
        )
    else:
        detail = (
            f"between skills only (d cannot vary within a skill): logit(guess) "
            f"{result['slope_guess_between_skills']:+.2f} {interval('guess')}, logit(slip) "
            f"{result['slope_slip_between_skills']:+.2f} {interval('slip')}"
        )
    print(
        f"   summary {result['data_set']}: slopes (engine assumes -1 / +1) {across}; {detail}; "
        f"{len(result['cells'])} cells, {result['cells_clipped']} guess/slip values clipped"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--sets", nargs="+", default=list(SETS), help="data set names (files NAME.csv)")
    parser.add_argument("--fold", type=int, default=0, help="its test learners are left out entirely")
    parser.add_argument("--attempts", choices=("first", "all"), default="first", help="counted for d")
    parser.add_argument("--min-attempts", type=int, default=20, help="for an exercise to be binned")
    parser.add_argument("--min-cell", type=int, default=50, help="attempts for a (skill, bin) to count")
    parser.add_argument("--max-skills", type=int, default=25)
    parser.add_argument("--max-attempts-per-skill", type=int, default=4000)
    parser.add_argument("--num-fits", type=int, default=2, help="pyBKT EM restarts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bootstrap", type=int, default=1000, help="resamplings of the skills")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    # pyBKT's E-step divides 0 by 0 where a state has probability 0 and then zeroes the NaNs itself.
    warnings.filterwarnings("ignore", "invalid value encountered in divide", RuntimeWarning)
    started = time.perf_counter()
    print("command:", shlex.join([sys.executable, *sys.argv]))
    print("git rev-parse HEAD:", git_commit())
    results = []
    for name in args.sets:
        results.append(measure(Path(args.data_dir) / f"{name}.csv", args))
        report(results[-1], args)
    seconds = time.perf_counter() - started
    print(f"\ntotal {seconds:.0f} s")
    if args.json:
        payload = {
            "command": shlex.join([sys.executable, *sys.argv]),
            "commit": git_commit(),
            "settings": vars(args),
            "seconds": seconds,
            "data_sets": results,
        }
        Path(args.json).write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""The simulated learner's ground truth and the baseline teaching policies (no database)."""

from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest

from metamodel.simulation import (
    DAY,
    SETTINGS,
    ExerciseSpec,
    SimulatedLearner,
    SkillSpec,
    fit_bkt,
    practice_times,
)
from metamodel.teaching import (
    BKTParameters,
    FixedPolicy,
    MasteryPolicy,
    OraclePolicy,
    RandomPolicy,
    bkt_update,
    run_baseline,
    summarise,
)

SKILLS = [SkillSpec("a"), SkillSpec("b", ("a",)), SkillSpec("c", ("a",)), SkillSpec("d", ("b",))]
EXERCISES = [ExerciseSpec(f"{skill}{i}", (skill,)) for skill in "abcd" for i in range(3)]
NO_FORGETTING = replace(SETTINGS["default"], forget_half_life_days=1e9)
START = 1_767_225_600


def learner(settings=NO_FORGETTING, seed=0, known=()) -> SimulatedLearner:
    simulated = SimulatedLearner(SKILLS, settings, np.random.default_rng(seed))
    simulated.known = {skill.key: skill.key in known for skill in SKILLS}
    return simulated


def practise(simulated: SimulatedLearner, key: str, times: int, start: int = START) -> None:
    for step in range(times):
        simulated.answer(ExerciseSpec(f"{key}-x", (key,)), start + 60 * step)


def test_it_learns_a_skill_whose_prerequisites_are_known():
    learned = 0
    for seed in range(20):
        simulated = learner(seed=seed, known={"a"})
        practise(simulated, "b", 30)
        learned += simulated.known["b"]
    assert learned == 20


def test_strong_prerequisites_block_learning():
    strong = replace(NO_FORGETTING, prerequisite_weight=1.0)
    for seed in range(20):
        simulated = learner(strong, seed=seed)
        practise(simulated, "b", 50)
        assert not simulated.known["b"]


def test_weak_prerequisites_only_slow_learning():
    weak = replace(NO_FORGETTING, prerequisite_weight=0.2)
    learned = 0
    for seed in range(20):
        simulated = learner(weak, seed=seed)
        practise(simulated, "b", 50)
        learned += simulated.known["b"]
    assert learned == 20


def test_forgetting_happens_with_time():
    much = replace(SETTINGS["default"], forget_half_life_days=5.0)
    kept_soon = kept_later = 0
    for seed in range(50):
        simulated = learner(much, seed=seed, known={"a", "b"})
        practise(simulated, "b", 1)
        kept_soon += simulated.mastery(START + 60) == 0.5
        kept_later += simulated.mastery(START + 60 * DAY) == 0.5
    assert kept_soon == 50
    assert kept_later <= 2  # 2^-12 of a chance to keep it


def test_correct_answers_are_likelier_when_the_skill_is_known():
    exercise = ExerciseSpec("a-x", ("a",))
    knowing = learner(seed=1, known={"a"})
    not_knowing = learner(replace(NO_FORGETTING, learn=0.0), seed=1)
    right_knowing = sum(knowing.answer(exercise, START) for _ in range(400))
    right_not = sum(not_knowing.answer(exercise, START) for _ in range(400))
    assert right_knowing > 300 > 150 > right_not


def test_practice_comes_in_sessions_days_apart():
    times = practice_times(25, np.random.default_rng(0), START)
    assert times[1] - times[0] == 60
    assert DAY <= times[10] - times[9] <= 4 * DAY + 60


def test_random_draws_among_all_exercises():
    policy = RandomPolicy(EXERCISES, np.random.default_rng(0))
    assert {policy.choose(START).key for _ in range(300)} == {e.key for e in EXERCISES}


def test_fixed_moves_on_after_three_right_in_a_row():
    policy = FixedPolicy(SKILLS, EXERCISES)
    seen = []
    for correct in (True, True, False, True, True, True, True):
        exercise = policy.choose(START)
        seen.append(exercise.skills[0])
        policy.observe(exercise, correct, START)
    assert seen == ["a"] * 6 + ["b"]


def test_fixed_does_not_repeat_an_exercise_at_once():
    policy = FixedPolicy(SKILLS, EXERCISES)
    keys = []
    for _ in range(4):
        exercise = policy.choose(START)
        keys.append(exercise.key)
        policy.observe(exercise, False, START)
    assert all(first != second for first, second in pairwise(keys))


def test_bkt_update_is_corbett_and_anderson():
    bkt = BKTParameters(prior=0.1, learn=0.2, slip=0.1, guess=0.25)
    posterior = 0.3 * 0.9 / (0.3 * 0.9 + 0.7 * 0.25)
    assert bkt_update(0.3, True, bkt) == pytest.approx(posterior + (1 - posterior) * 0.2)
    posterior = 0.3 * 0.1 / (0.3 * 0.1 + 0.7 * 0.75)
    assert bkt_update(0.3, False, bkt) == pytest.approx(posterior + (1 - posterior) * 0.2)


def test_mastery_picks_the_unlocked_skill_with_the_lowest_p_known():
    policy = MasteryPolicy(SKILLS, EXERCISES, BKTParameters.of(SETTINGS["default"]))
    policy.p_known = {"a": 0.97, "b": 0.3, "c": 0.4, "d": 0.05}  # d is locked: b is not mastered
    assert policy.target_skill() == "b"
    assert policy.choose(START).skills == ("b",)
    policy.p_known = {"a": 0.5, "b": 0.1, "c": 0.1, "d": 0.1}  # only a is unlocked
    assert policy.target_skill() == "a"


def test_mastery_practises_a_skill_until_it_reaches_095():
    policy = MasteryPolicy(SKILLS, EXERCISES, BKTParameters.of(SETTINGS["default"]))
    skills = []
    while policy.p_known["a"] < 0.95:
        exercise = policy.choose(START)
        skills.append(exercise.skills[0])
        policy.observe(exercise, True, START)
    assert set(skills) == {"a"}
    assert policy.choose(START).skills[0] in {"b", "c"}


def test_every_policy_meets_the_same_learners():
    starts = {
        name: [o.start_mastery for o in run_baseline(name, SKILLS, EXERCISES, SETTINGS["default"], 8, 5, 3)]
        for name in ("random", "fixed", "mastery", "oracle")
    }
    assert starts["random"] == starts["fixed"] == starts["mastery"] == starts["oracle"]


def test_the_oracle_practises_only_what_can_be_learnt_now():
    simulated = learner(known={"a"})
    oracle = OraclePolicy(EXERCISES, simulated)
    exercise = oracle.choose(START)
    assert exercise.skills[0] in {"b", "c"}  # d waits for b; a is known
    oracle.observe(exercise, simulated.answer(exercise, START), START)
    assert oracle.choose(START + 60).key != exercise.key
    simulated.known = dict.fromkeys(simulated.known, True)
    assert {oracle.choose(START + 120).key for _ in range(2)} <= {e.key for e in EXERCISES}


def test_the_oracle_teaches_more_than_every_baseline():
    outcomes = {
        name: run_baseline(name, SKILLS, EXERCISES, SETTINGS["default"], 60, 12, 0)
        for name in ("random", "fixed", "mastery", "oracle")
    }
    mastery = {name: np.mean([o.final_mastery for o in runs]) for name, runs in outcomes.items()}
    assert mastery["oracle"] > max(mastery["random"], mastery["fixed"], mastery["mastery"]) + 0.1
    wasted = {
        name: np.mean([o.share_of_steps("known") + o.share_of_steps("not ready") for o in runs])
        for name, runs in outcomes.items()
    }
    assert wasted["oracle"] < min(wasted["random"], wasted["fixed"], wasted["mastery"]) - 0.1


def test_the_report_censors_learners_who_never_master_the_course():
    outcomes = run_baseline("mastery", SKILLS, EXERCISES, SETTINGS["default"], 10, 3, 0)
    report = summarise(outcomes, course="c", setting="default", policy="mastery", steps=3, seed=0, skills=4)
    assert report.censored.value == 1.0
    assert report.steps_to_mastery_median.value is None
    assert report.steps_to_mastery_restricted_mean.value == 3
    longer = run_baseline("mastery", SKILLS, EXERCISES, SETTINGS["fast"], 30, 120, 0)
    report = summarise(longer, course="c", setting="fast", policy="mastery", steps=120, seed=0, skills=4)
    assert report.censored.value < 0.5
    assert report.steps_to_mastery_median.low <= report.steps_to_mastery_median.value
    assert report.steps_to_mastery_median.value <= report.steps_to_mastery_median.high
    assert report.mastery.low <= report.mastery.value <= report.mastery.high


def test_bkt_fit_recovers_the_parameters_that_generated_the_answers():
    rng = np.random.default_rng(0)
    sequences = []
    for _ in range(1500):
        known, answers = rng.random() < 0.25, []
        for _ in range(int(rng.integers(5, 40))):
            answers.append(int(rng.random() < (0.92 if known else 0.15)))
            known = known or rng.random() < 0.12
        sequences.append(answers)
    fitted = fit_bkt(sequences)
    assert fitted.prior == pytest.approx(0.25, abs=0.05)
    assert fitted.learn == pytest.approx(0.12, abs=0.03)
    assert fitted.slip == pytest.approx(0.08, abs=0.03)
    assert fitted.guess == pytest.approx(0.15, abs=0.03)

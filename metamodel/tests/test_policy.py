import random

import pytest

from metamodel.policy import (
    BELIEF_WINDOW,
    DAY,
    FORGET_HALF_LIFE_DAYS,
    MASTERY_THRESHOLD,
    READY_THRESHOLD,
    REPEAT_GAP,
    SKILL_CAP,
    CandidateExercise,
    PastAttempt,
    SkillNode,
    Steering,
    choose_by_rule,
    decide,
    joint_knowledge,
    knowledge,
    mastered_by_answers,
    mastered_by_model,
    slip_and_guess,
)

COUNTING, ADDITION = SkillNode(1, "Counting"), SkillNode(2, "Addition", (1,))
EXERCISES = [
    CandidateExercise(10, (1,), difficulty=0.5),
    CandidateExercise(11, (1,), difficulty=-0.5),
    CandidateExercise(20, (2,), difficulty=0.0),
    CandidateExercise(21, (2,), difficulty=1.0),
]


def history(*outcomes: tuple[int, bool]) -> list[PastAttempt]:
    skill_of = {e.id: e.skill_ids for e in EXERCISES}
    return [PastAttempt(exercise, skill_of[exercise], correct) for exercise, correct in outcomes]


def test_mastery_by_the_answers_needs_three_right_in_a_row_from_scratch():
    def mastered(*outcomes: bool) -> bool:
        return 1 in mastered_by_answers([PastAttempt(10, (1,), correct) for correct in outcomes])

    assert not mastered(True, True)
    assert mastered(True, True, True)
    assert not mastered(True, True, True, False)
    assert mastered(False, False, True, True, True)


def test_a_newcomer_starts_with_the_easiest_exercise_of_the_first_skill():
    choice = choose_by_rule([COUNTING, ADDITION], EXERCISES, [])
    assert choice.exercise_id == 11
    assert choice.reasons == ["next skill: Counting (you have not practised it yet)"]


def test_an_unmastered_skill_is_practised_without_repeating_the_last_exercise():
    choice = choose_by_rule([COUNTING, ADDITION], EXERCISES, history((11, False)))
    assert choice.exercise_id == 10
    assert choice.reasons == ["practise: Counting is not mastered yet (0 of your last 1 right)"]
    assert 11 not in choice.alternatives  # nor is it offered instead, its answer just shown


def test_the_learner_moves_on_once_prerequisites_are_mastered():
    done = history((11, True), (10, True), (11, True))
    choice = choose_by_rule([COUNTING, ADDITION], EXERCISES, done)
    assert choice.exercise_id == 20
    assert "ready: prerequisites mastered (Counting)" in choice.reasons


def test_with_everything_mastered_the_longest_unpractised_skill_is_reviewed():
    done = history((11, True), (10, True), (11, True), (20, True), (21, True), (20, True))
    choice = choose_by_rule([COUNTING, ADDITION], EXERCISES, done)
    assert choice.exercise_id == 10
    assert choice.reasons[0].startswith("review: every skill is mastered; Counting")


def test_nothing_to_practise_gives_no_choice():
    assert choose_by_rule([COUNTING], [], []) is None


# The model-driven policy. Skills: Counting (1) -> Addition (2) -> Multiplication (3).
GRAPH = [SkillNode(1, "Counting"), SkillNode(2, "Addition", (1,)), SkillNode(3, "Multiplication", (2,))]
ITEMS = [CandidateExercise(10 + i, (1,), 0.0) for i in range(3)]
ITEMS += [CandidateExercise(20 + i, (2,), 0.0) for i in range(3)]
ITEMS += [CandidateExercise(30 + i, (3,), 0.0) for i in range(3)]
NOW = 100 * DAY


def predicted(
    counting: float, addition: float, multiplication: float, spread: float = 0.1
) -> dict[int, float]:
    """Predictions per skill; within a skill the three exercises are easier, average and harder."""
    levels = {1: counting, 2: addition, 3: multiplication}
    return {e.id: levels[e.skill_ids[0]] + spread * (1 - (e.id % 10)) for e in ITEMS}


def practised(skill: int, times: int, correct: bool = True, at: float = NOW - 60) -> list[PastAttempt]:
    return [PastAttempt(skill * 10 + i % 3, (skill,), correct, at) for i in range(times)]


def test_a_newcomer_is_sent_to_the_skill_without_prerequisites_in_the_target_band():
    choice = decide(GRAPH, ITEMS, [], predicted(0.7, 0.6, 0.5), NOW, rng=random.Random(0))
    assert choice.exercise_id // 10 == 1
    assert choice.reasons[0] == "ready: Counting needs no prerequisite"
    assert choice.reasons[1].startswith("stretch: ") and "target band 60%-85%" in choice.reasons[1]


def test_prerequisites_gate_until_the_answers_say_they_are_probably_known():
    wrong = [PastAttempt(10, (1,), False, NOW - 60)]
    not_yet = decide(GRAPH, ITEMS, wrong, predicted(0.9, 0.6, 0.5), NOW, rng=random.Random(0))
    assert {c.skill_id for c in not_yet.candidates} == {1}
    moved_on = decide(GRAPH, ITEMS, practised(1, 3), predicted(0.7, 0.6, 0.5), NOW, rng=random.Random(0))
    assert {c.skill_id for c in moved_on.candidates} == {2}
    assert moved_on.reasons[0] == "ready: prerequisites mastered (Counting)"
    # One right answer from the model's start makes Counting probably known, not yet mastered: Addition is
    # ready, and the reason says how likely its prerequisite is known.
    one_right = practised(1, 1)
    sure = joint_knowledge({1: [], 2: [1], 3: [2]}, one_right, {1: 0.5}, NOW).known(1)
    assert READY_THRESHOLD <= sure < MASTERY_THRESHOLD
    chosen = decide(GRAPH, ITEMS, one_right, predicted(0.7, 0.6, 0.5), NOW, rng=random.Random(0))
    assert {c.skill_id for c in chosen.candidates} == {1, 2}
    # Addition can teach more now than confirming Counting can.
    assert chosen.exercise_id // 10 == 2
    assert chosen.reasons[0] == f"ready: prerequisites probably known (Counting {sure:.0%})"


def test_knowledge_is_traced_over_the_skills_together():
    prerequisites = {1: [], 2: [1], 3: [2]}
    counting = practised(1, 2)
    before = joint_knowledge(prerequisites, counting, {}, NOW)
    # Addition's learning does not take: its prerequisite becomes less likely known than it was.
    stuck = [*counting, *(PastAttempt(20 + i % 3, (2,), False, NOW - 60) for i in range(5))]
    after = joint_knowledge(prerequisites, stuck, {}, NOW)
    assert after.known(1) < before.known(1) - 0.05 and after.known(2) < 0.2
    # A wrong answer to a two-skill exercise is blamed on the skill less likely known.
    learnt = [PastAttempt(10, (1,), True, NOW) for _ in range(3)]
    both = joint_knowledge({1: [], 2: []}, [*learnt, PastAttempt(40, (1, 2), False, NOW)], {}, NOW)
    assert both.known(1) > 0.9 and both.known(2) < 0.25
    # With no answer after a break to tell how fast this learner forgets, P(known) about halves every
    # FORGET_HALF_LIFE_DAYS away; the same history always gives the same belief.
    fresh = joint_knowledge({1: []}, learnt, {}, NOW).known(1)
    later = joint_knowledge({1: []}, learnt, {}, NOW + FORGET_HALF_LIFE_DAYS * DAY).known(1)
    assert abs(later - fresh / 2) < 0.05
    assert joint_knowledge({1: []}, learnt, {}, NOW + DAY).known(1) == joint_knowledge(
        {1: []}, learnt, {}, NOW + DAY
    ).known(1)


def test_a_course_of_more_skills_than_one_word_of_the_joint_state_is_traced_as_a_small_one():
    # 70 skills in a chain: the joint state takes two 64-bit words, and skill 66 lies in the second.
    chain = {sid: [sid - 1] if sid > 1 else [] for sid in range(1, 71)}
    priors = {sid: 0.99 if sid <= 65 else 0.0 for sid in chain}
    times = [NOW - 60 * (4 - i) for i in range(4)]
    wide = joint_knowledge(chain, [PastAttempt(660, (66,), True, t) for t in times], priors, NOW)
    small = joint_knowledge(
        {1: [], 2: [1]}, [PastAttempt(20, (2,), True, t) for t in times], {1: 0.99, 2: 0.0}, NOW
    )
    assert wide.known(66) > 0.9 and wide.known(66) == pytest.approx(small.known(2), abs=0.03)
    assert wide.known(67) == 0.0 and wide.learnable(67, [66]) == pytest.approx(wide.known(66))
    assert wide.learnable(66, [65]) == pytest.approx(small.learnable(2, [1]), abs=0.03)


def test_a_learner_who_forgets_over_breaks_is_believed_to_forget_faster():
    def learner(right_after_breaks: bool) -> tuple[list[PastAttempt], float]:
        # Counting learnt, then met again after three 3-day breaks: wrong first (it was lost) or right.
        answers = [PastAttempt(10, (1,), True, NOW + 60 * i) for i in range(3)]
        for back in (NOW + 3 * k * DAY for k in (1, 2, 3)):
            answers += [PastAttempt(10, (1,), right_after_breaks, back)]
            answers += [PastAttempt(10, (1,), True, back + 60 * i) for i in (1, 2, 3)]
        # Then Addition, learnt in one sitting.
        answers += [PastAttempt(20, (2,), True, answers[-1].time + 60 * i) for i in (1, 2, 3)]
        return answers, answers[-1].time

    (forgets, end), (keeps, _) = learner(False), learner(True)
    graph = {1: [], 2: []}
    # Both have just shown Addition known; a week later the one who lost Counting over every break is
    # believed to have lost Addition more likely than the one who kept it.
    assert joint_knowledge(graph, forgets, {}, end).known(2) == pytest.approx(
        joint_knowledge(graph, keeps, {}, end).known(2), abs=0.02
    )
    week = end + 7 * DAY
    assert (
        joint_knowledge(graph, forgets, {}, week).known(2)
        < joint_knowledge(graph, keeps, {}, week).known(2) - 0.05
    )


def test_a_skill_that_opens_others_comes_first():
    graph = [SkillNode(1, "Counting"), SkillNode(2, "Addition"), SkillNode(3, "Multiplication", (2,))]
    choice = decide(graph, ITEMS, [], predicted(0.6, 0.6, 0.5, spread=0.0), NOW, rng=random.Random(0))
    best = {c.skill_id: c.score for c in choice.candidates}
    assert best[2] > best[1]  # as unknown as Counting, and Multiplication builds on it


def test_the_progress_pages_read_the_mastery_the_engine_acts_on():
    preds = predicted(0.7, 0.6, 0.5)
    assert mastered_by_model(GRAPH, ITEMS, practised(1, 2), preds, NOW) == {1}
    assert mastered_by_model(GRAPH, ITEMS, practised(1, 1), preds, NOW) == set()


def test_knowledge_from_the_answers_alone_by_bkt_from_the_generic_prior():
    right = [PastAttempt(10, (1,), True, NOW) for _ in range(3)]
    assert [round(knowledge(right[:n], NOW)[1].now, 2) for n in (1, 2, 3)] == [0.55, 0.84, 0.96]
    assert knowledge([*right, PastAttempt(10, (1,), False, NOW)], NOW)[1].now < MASTERY_THRESHOLD


def test_a_wrong_answer_to_a_two_skill_exercise_blames_the_skill_less_known():
    learnt = [PastAttempt(10, (1,), True, NOW) for _ in range(3)]
    traced = knowledge([*learnt, PastAttempt(40, (1, 2), False, NOW)], NOW)
    assert traced[1].now > 0.95 and traced[2].now < 0.2


def test_an_answer_to_an_easy_exercise_says_less_than_one_to_a_hard_one():
    def after(correct: bool, difficulty: float) -> float:
        answer = [PastAttempt(10, (1,), correct, NOW, difficulty)]
        return joint_knowledge({1: []}, answer, {}, NOW).known(1)

    # Easy exercises are guessed more: a right answer raises P(known) less; hard ones are slipped more: a
    # wrong answer lowers it less.
    assert after(True, -1.5) < after(True, 0.0) - 0.1 < after(True, 1.5) - 0.2
    assert after(False, -1.5) < after(False, 1.5) - 0.03
    # Without a model, the rule reads every answer alike: three right answers in a row master a skill.
    easy = [PastAttempt(10, (1,), True, NOW, -1.5) for _ in range(3)]
    assert knowledge(easy, NOW)[1].now == knowledge([PastAttempt(10, (1,), True, NOW)] * 3, NOW)[1].now
    assert slip_and_guess(0.0) == pytest.approx((0.1, 0.25))
    assert slip_and_guess(1.0)[0] > 0.1 > slip_and_guess(-1.0)[0]


def test_knowledge_is_forgotten_with_time_away():
    learnt = [PastAttempt(10, (1,), True, NOW) for _ in range(3)]
    later = knowledge(learnt, NOW + FORGET_HALF_LIFE_DAYS * DAY)[1]
    assert abs(later.now - later.at_last_practice / 2) < 1e-9


def test_the_models_prior_alone_is_not_mastery():
    choice = decide(GRAPH, ITEMS, [], predicted(0.95, 0.95, 0.95), NOW, rng=random.Random(0))
    assert {c.skill_id for c in choice.candidates} == {1}


def test_a_mastered_skill_comes_back_when_forgotten_or_when_the_model_predicts_decay():
    history = practised(1, 5, at=NOW - 9 * DAY) + practised(2, 2, at=NOW - 60)
    by_model = decide(GRAPH, ITEMS, history, predicted(0.5, 0.9, 0.5), NOW, rng=random.Random(1))
    assert 1 in {c.skill_id for c in by_model.candidates}
    if by_model.candidates[0].skill_id == 1:
        assert by_model.reasons[0] == "review: Counting not practised for 9 days"
    recent = practised(1, 5, at=NOW - 3 * DAY) + practised(2, 2, at=NOW - 60)
    fresh = decide(GRAPH, ITEMS, recent, predicted(0.9, 0.9, 0.5), NOW, rng=random.Random(1))
    assert 1 not in {c.skill_id for c in fresh.candidates}
    long_ago = practised(1, 5, at=NOW - 60 * DAY) + practised(2, 5, at=NOW - 60)
    forgotten = decide(GRAPH, ITEMS, long_ago, predicted(0.9, 0.9, 0.5), NOW, rng=random.Random(1))
    assert forgotten.reasons[0] == "review: Counting not practised for 60 days"


def test_an_exercise_that_needs_an_unready_skill_is_not_a_candidate():
    items = [*ITEMS, CandidateExercise(40, (1, 3), 0.0)]
    preds = {**predicted(0.7, 0.6, 0.5), 40: 0.7}
    choice = decide(GRAPH, items, practised(1, 1), preds, NOW, rng=random.Random(0))
    assert 40 not in {c.exercise_id for c in choice.candidates}
    ready = decide(GRAPH, items, practised(1, 3) + practised(2, 3), preds, NOW, rng=random.Random(0))
    assert 40 in {c.exercise_id for c in ready.candidates}


def test_when_nothing_is_ready_the_weakest_prerequisite_is_practised():
    history = practised(1, 4, correct=False)
    graph = [
        SkillNode(1, "Counting", (2,)),
        SkillNode(2, "Addition", (1,)),
        GRAPH[2],
    ]  # a cycle: nothing ready
    choice = decide(graph, ITEMS, history, predicted(0.3, 0.5, 0.6), NOW, rng=random.Random(0))
    assert {c.skill_id for c in choice.candidates} == {1}
    assert choice.reasons[0].startswith("weakest prerequisite: Counting (")


def test_no_immediate_repeat_and_propensities_are_a_distribution():
    history = practised(1, 1, correct=False)
    choice = decide(GRAPH, ITEMS, history, predicted(0.7, 0.6, 0.5), NOW, rng=random.Random(0))
    assert history[-1].exercise_id not in [c.exercise_id for c in choice.candidates]
    assert abs(sum(c.probability for c in choice.candidates) - 1) < 1e-9
    assert choice.propensity == next(
        c.probability for c in choice.candidates if c.exercise_id == choice.exercise_id
    )
    assert len(choice.alternatives) == 1  # one other exercise left in Counting


def test_exploration_follows_the_logged_probabilities():
    picks = [
        decide(
            GRAPH, ITEMS, [], predicted(0.7, 0.6, 0.5, spread=0.02), NOW, rng=random.Random(seed)
        ).exercise_id
        for seed in range(300)
    ]
    probabilities = {
        c.exercise_id: c.probability
        for c in decide(
            GRAPH, ITEMS, [], predicted(0.7, 0.6, 0.5, spread=0.02), NOW, rng=random.Random(0)
        ).candidates
    }
    for exercise_id, probability in probabilities.items():
        assert abs(picks.count(exercise_id) / len(picks) - probability) < 0.1


def test_one_skill_cannot_hold_the_learner_past_the_cap():
    history = practised(1, SKILL_CAP, correct=False)
    graph = [SkillNode(1, "Counting"), SkillNode(2, "Addition"), GRAPH[2]]  # two skills without prerequisites
    choice = decide(graph, ITEMS, history, predicted(0.7, 0.6, 0.5), NOW, rng=random.Random(0))
    assert {c.skill_id for c in choice.candidates} == {2}


def test_overrides_pin_exclude_and_set_the_band():
    preds = predicted(0.7, 0.6, 0.5)
    pinned = decide(GRAPH, ITEMS, [], preds, NOW, Steering(pinned_exercise=31), random.Random(0))
    assert (pinned.exercise_id, pinned.propensity) == (31, 1.0)
    skill = decide(GRAPH, ITEMS, [], preds, NOW, Steering(pinned_skill=3), random.Random(0))
    assert {c.skill_id for c in skill.candidates} == {3}
    excluded = decide(GRAPH, ITEMS, [], preds, NOW, Steering(excluded=frozenset({10, 11})), random.Random(0))
    assert [c.exercise_id for c in excluded.candidates] == [12]
    easy = decide(GRAPH, ITEMS, [], preds, NOW, Steering(band=(0.75, 0.95)), random.Random(0))
    assert easy.candidates[0].exercise_id == 10  # the easiest Counting exercise, 80 % predicted


def test_a_hard_choice_says_it_is_the_easiest_on_offer_only_when_that_is_true():
    def reasons_for(predictions: dict[int, float], seed: int) -> tuple[int, list[str]]:
        choice = decide([COUNTING, ADDITION], EXERCISES, [], predictions, 0.0, rng=random.Random(seed))
        return choice.exercise_id, choice.reasons

    only_hard = {10: 0.30, 11: 0.35, 20: 0.2, 21: 0.2}
    easiest = [reasons_for(only_hard, seed) for seed in range(40) if reasons_for(only_hard, seed)[0] == 11]
    assert easiest and easiest[0][1][1] == (
        "challenge: 35% predicted success, below the target band 60%-85% (the easiest of this skill's "
        "exercises on offer)"
    )
    explored = [reasons_for(only_hard, seed) for seed in range(40) if reasons_for(only_hard, seed)[0] == 10]
    assert explored, "exploration sometimes picks the harder exercise"
    assert explored[0][1][1] == "challenge: 30% predicted success, below the target band 60%-85%"
    assert explored[0][1][2].startswith("exploring: not the top-scored exercise; now and then the engine")
    probability = explored[0][1][2].rsplit("(chosen with probability ", 1)[1]
    assert probability.endswith("%)") and 0 < int(probability[:-2]) < 50


def test_an_exercise_answered_recently_gives_way_to_an_unseen_one_of_the_same_standing():
    twins = [
        CandidateExercise(10, (1,), 0.0),
        CandidateExercise(11, (1,), 0.0),
        CandidateExercise(12, (1,), 0.0),
    ]
    predictions = {10: 0.7, 11: 0.7, 12: 0.7}
    answered = [PastAttempt(10, (1,), True), PastAttempt(12, (1,), False)]  # 12 was just answered
    chosen = [
        decide([COUNTING], twins, answered, predictions, 0.0, rng=random.Random(seed)).exercise_id
        for seed in range(200)
    ]
    assert 12 not in chosen
    assert chosen.count(11) > 3 * chosen.count(10)  # seen before: still possible, much less likely


def test_an_exercise_answered_wrong_a_few_steps_ago_is_not_served_again_while_another_is_left():
    exercises = [CandidateExercise(10 + i, (1,), 0.0) for i in range(3)]
    # 10, answered wrong two steps ago (its worked answer shown), sits in the middle of the band; 12,
    # never answered, is below it. The learner meets 12, not the exercise whose answer they were shown.
    predictions = {10: 0.72, 11: 0.72, 12: 0.5}
    answered = [PastAttempt(10, (1,), False), PastAttempt(11, (1,), True)]
    chosen = {
        decide([COUNTING], exercises, answered, predictions, 0.0, rng=random.Random(seed)).exercise_id
        for seed in range(50)
    }
    assert chosen == {12}
    # Five answers later it may come back; answered right, it only gives way as any exercise seen does.
    later = [*answered, *(PastAttempt(11 + i % 2, (1,), True) for i in range(REPEAT_GAP))]
    assert decide([COUNTING], exercises, later, predictions, 0.0, rng=random.Random(0)).exercise_id == 10
    right = [PastAttempt(10, (1,), True), PastAttempt(11, (1,), True)]
    assert decide([COUNTING], exercises, right, predictions, 0.0, rng=random.Random(0)).exercise_id == 10


def test_answers_shown_before_a_reset_keep_their_exercises_back_until_the_learner_has_answered_enough():
    exercises = [CandidateExercise(10 + i, (1,), 0.0) for i in range(3)]
    predictions = {10: 0.72, 11: 0.72, 12: 0.5}
    # Before the reset: 10 answered wrong (its worked answer shown), then 11, the last answer. The history
    # the engine counts is empty, yet neither comes back at once, with the model or by the rule.
    shown = [PastAttempt(10, (1,), False), PastAttempt(11, (1,), True)]
    with_model = {
        decide([COUNTING], exercises, [], predictions, 0.0, rng=random.Random(seed), shown=shown).exercise_id
        for seed in range(50)
    }
    assert with_model == {12}
    by_rule = choose_by_rule([COUNTING], exercises, [], shown=shown)
    assert by_rule.exercise_id == 12 and 11 not in by_rule.alternatives
    # What was shown is no evidence of knowledge: the rule still calls Counting new to the learner.
    assert by_rule.reasons == ["next skill: Counting (you have not practised it yet)"]
    # Once REPEAT_GAP answers have been counted since, what came before the reset no longer holds 10 back.
    since = [PastAttempt(11 + i % 2, (1,), True) for i in range(REPEAT_GAP)]
    assert (
        decide([COUNTING], exercises, since, predictions, 0.0, rng=random.Random(0), shown=shown).exercise_id
        == 10
    )


def test_a_skill_mastered_two_weeks_ago_stays_mastered_until_an_answer_at_its_review_says_otherwise():
    weeks_ago = practised(1, 3, at=NOW - 14 * DAY)
    preds = predicted(0.7, 0.6, 0.5)
    assert mastered_by_model(GRAPH, ITEMS, weeks_ago, preds, NOW - 14 * DAY + 60) == {1}
    assert mastered_by_model(GRAPH, ITEMS, weeks_ago, preds, NOW) == {1}
    review = decide([COUNTING], ITEMS[:3], weeks_ago, preds, NOW, rng=random.Random(0))
    assert review.reasons[0] == "review: Counting not practised for 14 days"
    wrong_at_review = [*weeks_ago, PastAttempt(review.exercise_id, (1,), False, NOW)]
    assert mastered_by_model(GRAPH, ITEMS, wrong_at_review, preds, NOW + 60) == set()


def test_the_words_never_call_a_success_printed_as_the_band_s_edge_outside_it():
    choice = decide([COUNTING], EXERCISES[:1], [], {10: 0.5996}, 0.0, rng=random.Random(0))
    assert choice.reasons[1] == "stretch: 60% predicted success, in the target band 60%-85%"
    below = decide([COUNTING], EXERCISES[:1], [], {10: 0.594}, 0.0, rng=random.Random(0))
    assert below.reasons[1].startswith("challenge: 59% predicted success, below the target band 60%-85%")


def test_a_long_history_is_traced_jointly_lately_and_skill_by_skill_before():
    then = NOW - FORGET_HALF_LIFE_DAYS * DAY
    early = practised(1, 3, at=then - 3600)  # more than BELIEF_WINDOW attempts before the last
    lately = [PastAttempt(20 + i % 3, (2,), True, then + 60 * i) for i in range(BELIEF_WINDOW + 10)]
    preds = predicted(0.7, 0.9, 0.5)
    assert mastered_by_model(GRAPH, ITEMS, [*early, *lately], preds, then + DAY) >= {1}
    # A half-life later Counting, practised only before the window, has faded as much as the rest: still
    # shown mastered, and brought back for review.
    assert 1 in mastered_by_model(GRAPH, ITEMS, [*early, *lately], preds, NOW)
    choice = decide(GRAPH, ITEMS, [*early, *lately], preds, NOW, rng=random.Random(0))
    assert choice.reasons[0] == f"review: Counting not practised for {FORGET_HALF_LIFE_DAYS:.0f} days"

from metamodel.policy import CandidateExercise, PastAttempt, SkillNode, choose_by_rule, skill_mastered

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


def test_mastery_needs_enough_attempts_and_recent_accuracy():
    assert not skill_mastered([True, True])
    assert skill_mastered([True, True, True])
    assert not skill_mastered([True, True, True, False, False])
    assert skill_mastered([False, False, True, True, True, True, True])


def test_a_newcomer_starts_with_the_easiest_exercise_of_the_first_skill():
    choice = choose_by_rule([COUNTING, ADDITION], EXERCISES, [])
    assert choice.exercise_id == 11
    assert choice.reasons == ["next skill: Counting (you have not practised it yet)"]


def test_an_unmastered_skill_is_practised_without_repeating_the_last_exercise():
    choice = choose_by_rule([COUNTING, ADDITION], EXERCISES, history((11, False)))
    assert choice.exercise_id == 10
    assert choice.reasons == ["practise: Counting is not mastered yet (0 of your last 1 right)"]


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

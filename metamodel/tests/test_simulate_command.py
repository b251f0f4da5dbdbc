"""python manage.py simulate: every policy on a small course, the adaptive one through the services."""

import io
import json
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from config.throttles import AddressThrottle
from conftest import train_on_simulated_learners
from learners.models import Attempt, Learner
from metamodel.models import Recommendation
from metamodel.teaching import SIMULATED_START


def simulate(*args: str) -> str:
    out = io.StringIO()
    call_command("simulate", "--course", "arithmetic", "--learners", "3", "--steps", "8", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("policy", ["random", "fixed", "mastery"])
def test_it_reports_each_baseline(course, policy):
    output = simulate("--policy", policy)
    header, row = output.strip().splitlines()
    assert "mastery after T" in header and "steps to mastery" in header and "skills gained / step" in header
    assert row.split()[:5] == ["arithmetic", "default", policy, "3", "8"]
    assert not Attempt.objects.exists()


def test_it_writes_the_report_as_json(course, tmp_path):
    out = tmp_path / "report.json"
    simulate("--policy", "mastery", "--setting", "slow", "--json", str(out))
    report = json.loads(out.read_text())
    assert (report["policy"], report["setting"]) == ("mastery", "slow")
    assert (report["learners"], report["steps"], report["skills"]) == (3, 8, 3)
    assert set(report["mastery"]) == {"value", "low", "high"}
    assert 0 <= report["censored"]["value"] <= 1


def test_adaptive_practises_through_the_services_and_keeps_nothing_by_default(course):
    output = simulate("--policy", "adaptive")
    assert "rolled back" in output
    assert "arithmetic  " in output.splitlines()[-1]
    assert not Learner.objects.exists()
    assert not Attempt.objects.exists() and not Recommendation.objects.exists()


def test_adaptive_stores_simulated_attempts_and_recommendations_when_kept(course):
    simulate("--policy", "adaptive", "--keep", "--seed", "5")
    learners = Learner.objects.filter(external_id__startswith="sim-run:5:")
    assert learners.count() == 3
    assert all(learner.enrollments.filter(course=course).exists() for learner in learners)
    attempts = Attempt.objects.filter(learner__in=learners)
    assert attempts.count() == 24
    assert set(attempts.values_list("source", flat=True)) == {Attempt.Source.SIMULATION}
    # every answer follows a stored recommendation, and the simulated clock stamps it
    assert not attempts.filter(recommendation__isnull=True).exists()
    assert Recommendation.objects.filter(learner__in=learners).count() == 3 + 24
    first = attempts.order_by("created_at").first().created_at
    assert first == datetime.fromtimestamp(SIMULATED_START, tz=UTC)
    with pytest.raises(CommandError, match="already stored"):
        simulate("--policy", "adaptive", "--keep", "--seed", "5")


def test_adaptive_uses_the_active_model(course):
    train_on_simulated_learners()
    simulate("--policy", "adaptive", "--keep", "--learners", "1")
    recommendations = Recommendation.objects.filter(learner__external_id="sim-run:0:0")
    assert recommendations.exists()
    assert not recommendations.filter(model_version__isnull=True).exists()


def test_adaptive_practises_through_the_api(course, live_server):
    output = simulate("--policy", "adaptive", "--via-api", live_server.url, "--learners", "2", "--steps", "4")
    assert "Registering 2 simulated students" in output
    users = get_user_model().objects.filter(username__startswith="sim-0-")
    assert users.count() == 2
    attempts = Attempt.objects.filter(learner__user__in=users)
    assert attempts.count() == 8
    assert set(attempts.values_list("source", flat=True)) == {Attempt.Source.API}
    assert not attempts.filter(idempotency_key__isnull=True).exists()


def test_students_signing_up_faster_than_allowed_wait_and_carry_on(course, live_server, monkeypatch):
    # Two sign-ups a second from one address: the third and fourth students are told to wait (HTTP 429 with
    # Retry-After), wait, and then practise like the others.
    monkeypatch.setattr(AddressThrottle, "rate", raising=False, value="2/second")
    output = simulate("--policy", "adaptive", "--via-api", live_server.url, "--learners", "4", "--steps", "2")
    assert "Registering 4 simulated students" in output
    users = get_user_model().objects.filter(username__startswith="sim-0-")
    assert users.count() == 4
    assert Attempt.objects.filter(learner__user__in=users).count() == 8


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--course", "nope", "--policy", "fixed"], "No course 'nope'"),
        (["--course", "arithmetic", "--policy", "fixed", "--learners", "0"], "--learners"),
        (["--course", "arithmetic", "--policy", "greedy"], "invalid choice"),
        (["--course", "arithmetic", "--policy", "fixed", "--setting", "odd"], "invalid choice"),
        (["--course", "arithmetic", "--policy", "fixed", "--via-api", "http://x"], "adaptive only"),
    ],
)
def test_a_bad_argument_is_a_clear_error(course, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("simulate", *args, stdout=io.StringIO())


def test_an_unreachable_api_is_a_clear_error(course):
    with pytest.raises(CommandError, match=r"The API at http://127\.0\.0\.1:9 failed"):
        simulate("--policy", "adaptive", "--via-api", "http://127.0.0.1:9")


def test_simulated_histories_count_in_the_class_mastery(course):
    from courses.mastery import class_mastery

    call_command(
        "simulate_histories",
        "--course",
        "arithmetic",
        "--learners",
        "12",
        "--steps",
        "40",
        stdout=io.StringIO(),
    )
    page = class_mastery(course)
    assert page["enrolled"] == 12
    assert page["skills"][0]["practised"] == 12
    assert sum(learner.mastered for learner in page["learners"]) > 0

"""A training run's page as an administrator reads it: what came of it in plain words, the internals aside."""

import re

import pytest
from django.test import Client

from conftest import train_on_simulated_learners
from courses.tests.factories import UserFactory
from metamodel.models import TrainingRun
from metamodel.training import run_training

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db) -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_a_rejected_runs_page_says_what_it_means_and_links_its_version(course, admin_client):
    first = train_on_simulated_learners()
    again = TrainingRun.objects.create(trigger="manual")
    rejected = run_training(again.pk)
    page = admin_client.get(f"/admin/metamodel/trainingrun/{again.pk}/change/").content.decode()
    assert "Its model was kept aside, not served" in page
    assert f"Learners are served model v{first.model_version.pk}." in page
    assert f'href="/admin/metamodel/modelversion/{rejected.pk}/change/"' in page
    # The task's internals are under "Technical details", collapsed, after what a teacher reads.
    technical = page.index("Technical details")
    assert re.search(r'<fieldset class="module aligned collapse"', page) or "<details" in page
    for internal in ("Task id", "Claims", "Data fingerprint", "Data summary"):
        assert page.index(internal) > technical, internal
    assert page.index("What it means") < technical


@pytest.mark.django_db(transaction=True)  # in-process, the run ends within the request, on its commit
def test_the_button_says_in_plain_words_what_a_run_came_to(course, admin_client):
    train_on_simulated_learners()
    page = admin_client.post("/admin/metamodel/trainingrun/start/", follow=True).content.decode()
    run = TrainingRun.objects.latest("id")
    assert run.outcome == TrainingRun.Outcome.REJECTED
    assert f"Training run {run.pk}: succeeded. {run.result}. Its model was kept aside, not served" in page


@pytest.mark.django_db(transaction=True)
def test_a_failed_run_is_an_error_and_says_that_learners_are_unaffected(db, admin_client):
    page = admin_client.post("/admin/metamodel/trainingrun/start/", follow=True).content.decode()
    run = TrainingRun.objects.get()
    assert run.status == TrainingRun.Status.FAILED
    assert re.search(r'<li class="error">Training run \d+: failed\. failed: there are no attempts', page)
    assert "Nothing changed for learners: they are served the rule-based choice." in page

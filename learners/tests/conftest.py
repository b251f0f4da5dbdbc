"""Fixtures of the learners app's tests (a module's own fixture of the same name takes precedence)."""

import pytest

from learners.services import enroll, learner_for


@pytest.fixture
def enrolled(client, student, course):
    """The student, logged in and enrolled in the arithmetic course."""
    enroll(learner_for(student), course)
    client.force_login(student)
    return student

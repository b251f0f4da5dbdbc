"""Every reason code the policy writes has a meaning a pupil reads (REASON_MEANINGS), shown beside the reason
on the practice page and in the API's ``why``; a teacher's note needs none."""

import inspect
import re

import pytest

from conftest import client_for
from learners.services import enroll, learner_for
from metamodel import policy
from metamodel.policy import REASON_MEANINGS, explain


def test_every_code_the_policy_writes_has_a_meaning_and_every_meaning_a_code():
    # A reason is written as "code: details" (an f-string or a plain one) in the policy's source.
    written = set(re.findall(r'f?"([a-z][a-z -]*[a-z]): ', inspect.getsource(policy)))
    assert written == set(REASON_MEANINGS)


def test_a_reason_is_explained_by_its_code_and_a_teachers_note_by_itself():
    assert explain("stretch: 68% predicted success, in the target band 60%-85%") == REASON_MEANINGS["stretch"]
    assert explain("your teacher set the target band to 50%-70%") is None
    assert explain("unknown code: something") is None


@pytest.mark.django_db
def test_the_api_gives_each_reason_with_its_meaning(course, student):
    enroll(learner_for(student), course)
    offered = client_for(student).get("/api/v1/courses/arithmetic/next/").json()
    assert offered["why"] == [{"reason": reason, "meaning": explain(reason)} for reason in offered["reasons"]]
    assert offered["why"][0] == {
        "reason": "next skill: Counting (you have not practised it yet)",
        "meaning": REASON_MEANINGS["next skill"],
    }

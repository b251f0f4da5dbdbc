"""Every kind of page runs under the Content-Security-Policy in real headless Chromium without a violation:
the student's pages, the teacher's dashboard and admin, the API docs. A page that broke the policy (an inline
script or style, a resource from elsewhere) would lose that script or style in every browser."""

import pytest
from django.contrib.auth import get_user_model
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from playwright.sync_api import expect

from conftest import log_in, train_on_simulated_learners
from learners.services import enroll, learner_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Recorded in each page from its start: what the browser refused under the policy, and why.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.cspViolations.push(`${event.violatedDirective} refused ${event.blockedURI || "inline"}`);
});
"""


def visit(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.cspViolations")


def test_the_pages_keep_to_the_content_security_policy(live_server, new_page, course, student):
    train_on_simulated_learners()
    enroll(learner_for(student), course)
    base = live_server.url

    page = new_page({"width": 1280, "height": 900})
    page.context.add_init_script(RECORD_VIOLATIONS)
    log_in(page, live_server, student)
    for path in ("/", f"/courses/{course.slug}/", f"/courses/{course.slug}/practice/"):
        assert visit(page, base + path) == [], path
    page.get_by_role("button", name="Check my answer").click()  # the answer page, and the form's post
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("window.cspViolations") == []
    assert visit(page, f"{base}/courses/{course.slug}/progress/") == []
    for path in ("/account/", "/account/email/", "/accounts/password-reset/"):
        assert visit(page, base + path) == [], path
    policy = page.request.get(f"{base}/").headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "object-src 'none'" in policy

    staff = new_page({"width": 1280, "height": 900})
    staff.context.add_init_script(RECORD_VIOLATIONS)
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "unused")
    log_in(staff, live_server, admin)
    for path in (
        "/admin/",
        f"/admin/courses/course/{course.pk}/change/",
        f"/admin/courses/course/{course.pk}/mastery/",
        "/admin/metamodel/modelversion/",
        "/admin/metamodel/trainingrun/",
        "/admin/learners/attempt/",
        "/admin/learners/skillprogress/",
        "/api/v1/courses/",  # the browsable API, whose few inline styles the policy lets in there only
        "/api/docs/",
    ):
        assert visit(staff, base + path) == [], path
    expect(staff.locator(".opblock-summary-path", has_text="/api/v1/attempts/").first).to_be_visible()
    # The one exception, django-celery-beat's inline helper on its task form (docs/deployment.md): refused,
    # and the form still shows the schedule's reading in a field of its own.
    at_three = CrontabSchedule.objects.create(minute="0", hour="3", timezone="UTC")
    task = PeriodicTask.objects.create(name="t", task="metamodel.tasks.meta_train_nightly", crontab=at_three)
    form = f"{base}/admin/django_celery_beat/periodictask/{task.pk}/change/"
    assert visit(staff, form) == ["script-src-elem refused inline"]
    expect(staff.locator(".field-crontab_translation")).to_contain_text("At 03:00 AM")

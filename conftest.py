"""Fixtures shared by every app's tests: a small course, named users, authenticated API clients."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from courses.services import import_course
from courses.tests.factories import TeacherFactory, UserFactory
from learners.services import learner_for

IN_CI = os.environ.get("CI") == "true"
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; `playwright install` cannot download here
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


def pytest_configure(config: pytest.Config) -> None:
    # CI must exercise the real services: a run that silently fell back to SQLite or eager tasks
    # would pass without testing what production runs on.
    if IN_CI and not (os.environ.get("DATABASE_URL") and os.environ.get("CELERY_BROKER_URL")):
        raise pytest.UsageError("CI=true needs DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis).")


def arithmetic_document(slug: str = "arithmetic") -> dict:
    """A three-skill course (counting -> addition -> multiplication) with every exercise type."""
    return {
        "slug": slug,
        "title": "Arithmetic",
        "description": "Whole-number arithmetic.",
        "skills": [
            {"key": "counting", "name": "Counting", "prerequisites": []},
            {"key": "addition", "name": "Addition", "prerequisites": ["counting"]},
            {"key": "multiplication", "name": "Multiplication", "prerequisites": ["addition"]},
        ],
        "exercises": [
            {
                "key": "count-1",
                "skills": ["counting"],
                "type": "numeric",
                "prompt": "Count: ● ● ●",
                "answer": 3,
                "hints": ["Point at each dot."],
                "explanation": "There are **3** dots.",
                "difficulty": -1.0,
            },
            {
                "key": "count-2",
                "skills": ["counting"],
                "type": "multiple_choice",
                "prompt": "Which is more?",
                "choices": ["4", "7"],
                "answer": "7",
                "explanation": "7 comes after 4.",
            },
            {
                "key": "count-3",
                "skills": ["counting"],
                "type": "text",
                "prompt": "Spell the number 2.",
                "answer": ["two"],
                "explanation": "Two.",
            },
            {
                "key": "add-1",
                "skills": ["addition"],
                "type": "numeric",
                "prompt": "2 + 3 = ?",
                "answer": 5,
                "hints": ["Start at 2 and count on 3."],
                "explanation": "2 + 3 = 5.",
            },
            {
                "key": "add-2",
                "skills": ["addition"],
                "type": "numeric",
                "prompt": "0.1 + 0.2 = ?",
                "answer": 0.3,
                "tolerance": 0.001,
                "explanation": "0.1 + 0.2 = 0.3.",
            },
            {
                "key": "mul-1",
                "skills": ["multiplication", "addition"],
                "type": "numeric",
                "prompt": "3 times 4 = ?",
                "answer": 12,
                "explanation": "3 + 3 + 3 + 3 = 12.",
                "difficulty": 1.0,
            },
        ],
    }


@pytest.fixture
def course(db):
    return import_course(arithmetic_document()).course


@pytest.fixture
def student(db):
    user = UserFactory(username="sam")
    learner_for(user)
    return user


@pytest.fixture
def other_student(db):
    user = UserFactory(username="olga")
    learner_for(user)
    return user


@pytest.fixture
def teacher(db, course):
    user = TeacherFactory(username="tess")
    course.teachers.add(user)
    return user


@pytest.fixture
def other_teacher(db):
    return TeacherFactory(username="otto")


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def api(student) -> APIClient:
    return client_for(student)


@pytest.fixture
def shared_datasets():
    """The public data sets beside the checkout: skipped where absent, a failure in CI."""
    path = settings.BASE_DIR.parent / "shared" / "datasets"
    if not path.is_dir():
        if IN_CI:
            pytest.fail(f"CI=true but the shared data sets are missing at {path}")
        pytest.skip("../shared/datasets is not present on this machine")
    return path


@pytest.fixture(autouse=True)
def tasks_in_process(request):
    """Run tasks in-process, except in tests about workers, which start a real worker on the broker."""
    from config.celery import app

    if request.node.get_closest_marker("worker"):
        yield
        return
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: the API's rate limits count there (AUTH_THROTTLE_RATE)."""
    cache.clear()


@pytest.fixture
def broker_down():
    """Tasks go to a broker on a port nobody listens on, as when Redis is down."""
    from config.celery import app

    # The write URL: Celery reads broker_url from the CELERY_BROKER_URL environment variable before its
    # configuration, so setting it would not take where that variable is set (as in CI).
    saved = app.conf.get("broker_write_url"), app.conf.task_always_eager, app._pool, app.amqp._producer_pool
    app.conf.broker_write_url, app.conf.task_always_eager = "redis://127.0.0.1:9/0", False
    app._pool = app.amqp._producer_pool = None
    yield
    app.conf.broker_write_url, app.conf.task_always_eager, app._pool, app.amqp._producer_pool = saved


@pytest.fixture(autouse=True)
def model_artifacts(settings, tmp_path):
    """Each test writes its model artifacts to its own folder."""
    settings.MODEL_ARTIFACT_DIR = tmp_path / "models"


@pytest.fixture
def new_page(monkeypatch):
    """Open pages in real headless Chromium, each in a browser context of its own (its own cookies, so
    one test can be a teacher and a student at once); ``new_page(viewport)`` returns a fresh page."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"CI=true but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM reads are still
    # plain synchronous calls, which Django would otherwise refuse inside a running loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)

        def open_page(viewport: dict = PHONE):
            context = browser.new_context(viewport=viewport)
            context.set_default_timeout(10_000)
            return context.new_page()

        try:
            yield open_page
        finally:
            browser.close()
            # The ORM reads made while Playwright's loop runs hold a connection of their own that
            # pytest-django does not close; left open, it stops the test database from being dropped.
            connections.close_all()


def answer_via_api(client: APIClient, exercise: str, response, key: str, **extra):
    """Answer an exercise of the arithmetic course through the API, under the Idempotency-Key ``key``."""
    body = {"course": "arithmetic", "exercise": exercise, "response": response, **extra}
    return client.post("/api/v1/attempts/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def right_answer(course, key: str):
    """The exercise's right answer as a learner sends it (a text exercise's first accepted one): whichever
    exercise the engine chose, a response it accepts, where any fixed one ("1") is refused by a choice."""
    exercise = course.exercises.get(key=key)
    return exercise.answer[0] if exercise.type == exercise.Type.TEXT else exercise.answer


def log_in(page, live_server, user, password: str = "Analytical-engine-1843") -> None:
    """Give ``user`` a password and log in with it on the site's login page."""
    user.set_password(password)
    user.save()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def train_on_simulated_learners(course_slug: str = "arithmetic", seed: int = 0):
    """Store simulated histories in the course and run one training in-process; returns the run."""
    from django.core.management import call_command

    from metamodel.models import TrainingRun
    from metamodel.training import run_training

    call_command(
        "simulate_histories", "--course", course_slug, "--learners", "40", "--steps", "30", stdout=None
    )
    run = TrainingRun.objects.create(trigger="manual", seed=seed)
    run_training(run.pk)
    run.refresh_from_db()
    return run


def wait_for(condition, seconds: float = 180.0):
    """Poll ``condition`` until it returns something truthy, failing after ``seconds`` (generous, so that
    only a worker that never does the work fails a test, not a slow start on a loaded 2-core machine)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"condition not met within {seconds} s")


@pytest.fixture
def start_worker(settings):
    """Start real `celery worker` processes on the Redis broker, against this test's PostgreSQL database."""
    if not settings.CELERY_BROKER_URL or connection.vendor != "postgresql":
        if IN_CI:
            pytest.fail("worker tests need CELERY_BROKER_URL and a PostgreSQL DATABASE_URL in CI")
        pytest.skip("set CELERY_BROKER_URL and a PostgreSQL DATABASE_URL to run worker tests")
    db = connection.settings_dict
    env = {
        **os.environ,
        # the worker must read and write the test database that this test process uses
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DATABASE_CONN_MAX_AGE": "0",
        "MODEL_ARTIFACT_DIR": str(settings.MODEL_ARTIFACT_DIR),
    }
    processes = []

    def start(queue: str) -> subprocess.Popen:
        # Messages an interrupted earlier run left on the queue name rows of another test database.
        from config.celery import app

        with app.connection_for_write() as broker:
            broker.default_channel.queue_purge(queue)
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--pool", "solo",
             "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
            cwd=settings.BASE_DIR, env=env,
        )  # fmt: skip
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=60)


def queries_for(client, url: str) -> tuple[int, str]:
    """The queries a page costs once warm (the first request fills caches, of content types for one), and
    the page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries), response.content.decode()


@pytest.fixture
def teacher_client(teacher):
    """The teacher dashboard signed in as a teacher of the course."""
    from django.test import Client

    from courses.teachers import make_teacher

    make_teacher(teacher)
    client = Client()
    client.force_login(teacher)
    return client


@pytest.fixture(params=["teacher", "superuser"])
def dashboard(request, teacher, admin_user):
    """The teacher dashboard signed in, once as a teacher of the course and once as a superuser."""
    from django.test import Client

    from courses.teachers import make_teacher

    user = teacher if request.param == "teacher" else admin_user
    if user is teacher:
        make_teacher(teacher)
    client = Client()
    client.force_login(user)
    return client

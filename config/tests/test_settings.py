"""Settings checked at start-up: with DEBUG off, a public secret key stops it, as does a malformed rate or an
unknown time zone."""

import os
import subprocess
import sys

import pytest
from django.conf import settings


def start(**environment: str) -> subprocess.CompletedProcess:
    """Load the settings in a fresh process, as every web and worker process does when it starts."""
    return run_python("import config.settings", **environment)


def run_python(code: str, **environment: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh process in the project, with these environment variables set."""
    ours = {"DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_TIME_ZONE"}
    env = {k: v for k, v in os.environ.items() if k not in ours}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**env, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "key",
    [None, "", "django-insecure-development-only-key-do-not-deploy", "CHANGE-ME-to-a-long-random-string"],
)
def test_with_debug_off_a_missing_or_public_secret_key_stops_the_start(key):
    started = start(DJANGO_DEBUG="0", **({} if key is None else {"DJANGO_SECRET_KEY": key}))
    assert started.returncode != 0
    assert "ImproperlyConfigured: DJANGO_DEBUG is off but DJANGO_SECRET_KEY is unset" in started.stderr


def test_a_real_key_with_debug_off_and_no_key_with_debug_on_start():
    assert start(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x7-" + "k" * 60).returncode == 0
    assert start().returncode == 0


def test_a_malformed_sign_in_rate_stops_the_start_rather_than_every_sign_in():
    started = start(AUTH_THROTTLE_RATE="10 per minute")
    assert started.returncode != 0
    assert "ImproperlyConfigured: AUTH_THROTTLE_RATE is '10 per minute'" in started.stderr
    assert start(AUTH_THROTTLE_RATE="100/hour").returncode == 0


def test_the_time_zone_is_the_one_set_and_an_unknown_one_stops_the_start():
    shown = (
        "import django; django.setup(); from django.utils import timezone; "
        "print(timezone.get_current_timezone())"
    )
    zone = {"DJANGO_SETTINGS_MODULE": "config.settings"}
    assert run_python(shown, **zone).stdout == "UTC\n"
    assert run_python(shown, **zone, DJANGO_TIME_ZONE="Europe/Paris").stdout == "Europe/Paris\n"
    started = start(DJANGO_TIME_ZONE="Mars/Base")
    assert started.returncode != 0
    assert (
        "ImproperlyConfigured: DJANGO_TIME_ZONE is 'Mars/Base', which is not a known time zone"
        in started.stderr
    )

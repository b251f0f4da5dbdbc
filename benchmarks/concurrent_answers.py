"""Students answering at the same moment on a running platform: the HTTP statuses they get.

    .venv/bin/python benchmarks/concurrent_answers.py --url http://127.0.0.1:8000 [--students 8 --answers 5]

Each simulated student signs up through the API, enrolls in the demo course `fractions` and, ``--answers``
times, asks for the next exercise and sends the right answer four times at once under one Idempotency-Key
(a client retrying after a time-out): one 201 and three 200 replays are expected, every student at the same
time as the others. It prints how many responses had each status; any 5xx is a failure of the platform.
The answers come from the platform's database (run it beside the server, with the same DATABASE_URL).
"""

import argparse
import collections
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--answers", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from courses.models import Course
    from metamodel.teaching import response_for

    course = Course.objects.get(slug="fractions")
    exercises = {e.key: e for e in course.exercises.all()}
    api = f"{args.url.rstrip('/')}/api/v1/"
    statuses: collections.Counter = collections.Counter()

    def call(method: str, path: str, body=None, token=None, headers=None):
        request = urllib.request.Request(
            api + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={
                "Content-Type": "application/json",
                **({"Authorization": f"Token {token}"} if token else {}),
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, None

    def student() -> None:
        account = {"username": f"c{uuid.uuid4().hex[:10]}", "password": "correct horse 42"}
        status, body = call("POST", "auth/register/", account)
        statuses["sign up", status] += 1
        if status != 201:
            return
        token = body["token"]
        statuses["enroll", call("POST", "courses/fractions/enroll/", token=token)[0]] += 1
        for _ in range(args.answers):
            status, chosen = call("GET", "courses/fractions/next/", token=token)
            statuses["next", status] += 1
            if status != 200:
                continue
            answer = {
                "course": "fractions",
                "exercise": chosen["key"],
                "response": response_for(exercises[chosen["key"]], True),
                "recommendation": chosen["recommendation"],
            }
            key = str(uuid.uuid4())

            def send(answer=answer, key=key) -> None:
                statuses["answer", call("POST", "attempts/", answer, token, {"Idempotency-Key": key})[0]] += 1

            retries = [threading.Thread(target=send) for _ in range(4)]
            for thread in retries:
                thread.start()
            for thread in retries:
                thread.join()

    started = time.perf_counter()
    students = [threading.Thread(target=student) for _ in range(args.students)]
    for thread in students:
        thread.start()
    for thread in students:
        thread.join()
    seconds = time.perf_counter() - started
    print(f"{args.students} students, {args.answers} answers each sent 4 times at once: {seconds:.1f} s")
    for (what, status), count in sorted(statuses.items()):
        print(f"  {what}: HTTP {status} x {count}")
    print(f"server errors (5xx): {sum(n for (_, status), n in statuses.items() if status >= 500)}")


if __name__ == "__main__":
    main()

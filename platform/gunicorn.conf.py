"""Gunicorn settings for the web role: `gunicorn --config platform/gunicorn.conf.py config.wsgi:application`.

Every value can be tuned from the environment (see platform/.env.example). This file is loaded by path, not
imported: platform/ is deliberately not a Python package (a package named `platform` shadows the stdlib).
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cpu_count() -> int:
    # The CPUs this process may actually run on (a container's cpuset), not every core of the host.
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


bind = f"0.0.0.0:{_int('PORT', 8000)}"

# WEB_CONCURRENCY wins when set; otherwise the classic 2 * cores + 1, capped: every worker holds its own
# copy of Django (and of torch once a request has touched the model), so memory grows with the count.
workers = _int("WEB_CONCURRENCY", min(2 * _cpu_count() + 1, _int("GUNICORN_MAX_WORKERS", 8)))
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"

# A request that runs longer than this is killed and its worker replaced; the load balancer's idle timeout
# should be longer than keepalive so it never reuses a connection gunicorn has just closed.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Recycle workers now and then so a slow leak can never take a web process down.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# Logs to stdout/stderr, where the container runtime collects them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
capture_output = True

# The worker heartbeat file on a RAM disk: a disk-backed /tmp (as in many containers) can stall workers.
if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
    worker_tmp_dir = "/dev/shm"

# The runtime control socket ($HOME/.gunicorn/gunicorn.ctl) is not used in containers, where the
# process manager is the orchestrator; the non-root user's home need not be writable either.
control_socket_disable = True

"""The ``flexflow`` command: bot, worker, generate, db upgrade, demo-user.

This module is the top of the import graph: it may import bot/, jobs/, db/ and core/.
Each sub-command reads the settings once and hands them down.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import logging
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import ValidationError
from sqlalchemy.engine import make_url

from adapters.settings import DEFAULT_DATABASE_URL, Settings, get_settings
from core.coaches import COACHES, coach_by_key
from core.domain import Equipment, FitnessLevel, Units, WorkoutType
from core.models import MAX_DURATION, MIN_DURATION
from flexflow.logs import configure_logging

__all__ = ["main"]

log = logging.getLogger("flexflow")
T = TypeVar("T")

GENERATE_TIMEOUT_S = 15 * 60
WORKER_SHUTDOWN_TIMEOUT_MS = 25_000
"""On SIGTERM, how long the worker lets the generations in hand finish (dramatiq's default is
10 minutes). Platforms kill a stopping process soon after SIGTERM (Heroku after 30 s), so
stop first: a generation not finished by then is handed back through the broker (its message
was never acked) and another worker completes it; the request row makes that safe."""


M_ARENA_MAX = -8
"""glibc's mallopt parameter for the number of malloc arenas (the MALLOC_ARENA_MAX knob)."""
MALLOC_ARENAS = 2


def _fewer_malloc_arenas() -> None:
    """Cap glibc's malloc arenas for a long-running process and the workers it forks.

    glibc gives busy threads arenas of their own, up to eight per core, and each keeps its
    freed memory: a worker's 64 threads grew its RSS by about 20 MB over what its code
    needs. Two arenas cost nothing measurable here (the threads mostly wait on I/O).
    Elsewhere than glibc this does nothing.
    """
    if os.environ.get("MALLOC_ARENA_MAX"):  # the operator's own setting wins
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(M_ARENA_MAX, MALLOC_ARENAS)
    except (OSError, AttributeError):
        pass


class UsageError(Exception):
    """A bad argument; the message is one line that lists the valid values."""


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UsageError(f"bad configuration: {first['msg']}") from None


def _choice(parse: Callable[[str], T], text: str) -> T:
    """``parse(text)``, with its ValueError turned into a one-line usage error."""
    try:
        return parse(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _duration(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not MIN_DURATION <= value <= MAX_DURATION:
        raise UsageError(
            f"duration must be a whole number of minutes from {MIN_DURATION} to {MAX_DURATION}, "
            f"not {text!r}"
        )
    return value


def _migrate_if_embedded(settings: Settings) -> None:
    """The embedded SQLite database migrates itself; a real one must be migrated on purpose."""
    from db.migrate import is_at_head, upgrade

    if settings.database_url == DEFAULT_DATABASE_URL:
        upgrade(settings.database_url)
    elif not is_at_head(settings.database_url):
        raise UsageError("the database is not migrated: run `flexflow db upgrade` first")


def cmd_generate(args: argparse.Namespace) -> int:
    """Run one request through the job path and print the workout."""
    coach = coach_by_key(args.coach) if args.coach.upper() in COACHES else None
    if coach is None:
        raise UsageError(f"unknown coach {args.coach!r}; valid: {', '.join(COACHES)}")
    workout_type = _choice(WorkoutType.parse, args.type)
    duration = _duration(args.duration)
    equipment = _choice(Equipment.parse_list, args.equipment)
    level = _choice(FitnessLevel.parse, args.level)
    units = _choice(Units.parse, args.units)

    settings = _settings()
    _migrate_if_embedded(settings)

    import jobs
    import usecases
    from core.models import Profile
    from db.history import get_plan_for_request
    from db.requests import get_request
    from db.session import create_db_engine, session_factory

    embedded = None
    if settings.redis_url:
        jobs.setup_broker(settings.redis_url)
    else:
        embedded = jobs.start_embedded_worker(settings, threads=2)
    engine = create_db_engine(settings.database_url)
    sessions = session_factory(engine)
    try:
        # The same use case as a Generate tap, for the local user (see open_local_request
        # for the limits a shell does without); the same queue and worker path after it.
        choice = usecases.WorkoutChoice(
            coach=coach.key,
            workout_type=workout_type,
            duration_min=duration,
            equipment=equipment,
        )
        profile = Profile(level=level, equipment=equipment, preferred_coach=coach.key, units=units)
        request_id = usecases.open_local_request(sessions, choice, profile)
        jobs.enqueue_generation(request_id)
        state = _wait(
            sessions, request_id, coach.writing(minutes=duration, workout_type=workout_type)
        )
        with sessions.begin() as session:
            final = get_request(session, request_id)
            plan = get_plan_for_request(session, request_id)
            reason = final.failure_reason if final is not None else None
        if state == "failed" or plan is None:
            print(f"flexflow: the workout could not be generated: {reason}", file=sys.stderr)
            return 1
        if args.json:
            document = {
                "request_id": request_id,
                "plan_id": plan.plan_id,
                "coach": plan.coach,
                "workout_type": plan.workout_type,
                "duration_min": plan.duration_min,
                "source": plan.source,
                "model": plan.model,
                "estimated_minutes": round(plan.workout.estimated_minutes, 1),
                "workout": plan.workout.model_dump(mode="json"),
            }
            print(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            from core.render import render_text

            print(
                render_text(
                    plan.workout,
                    coach=coach,
                    workout_type=workout_type,
                    duration_min=duration,
                    units=units,
                    created=plan.created_at.date(),
                )
            )
        return 0
    except usecases.QueueUnavailable as exc:
        print(f"flexflow: the job queue is not reachable ({exc}); is Redis up?", file=sys.stderr)
        return 1
    finally:
        if embedded is not None:
            embedded.stop()
        engine.dispose()


def _wait(sessions: object, request_id: int, status: str) -> str:
    """Poll the request's state until it is delivered or failed, with a spinner on stderr."""
    from rich.console import Console

    from db.requests import get_request

    console = Console(stderr=True)
    deadline = time.monotonic() + GENERATE_TIMEOUT_S
    with console.status(status):
        while time.monotonic() < deadline:
            with sessions.begin() as session:  # type: ignore[attr-defined]
                row = get_request(session, request_id)
                state = row.state if row is not None else "failed"
            if state in ("delivered", "failed"):
                return str(state)
            time.sleep(0.05)
    raise UsageError(f"gave up waiting for request {request_id} after {GENERATE_TIMEOUT_S} s")


def cmd_worker(args: argparse.Namespace) -> int:
    """Run Dramatiq worker processes on the Redis broker."""
    settings = _settings()
    if not settings.redis_url:
        raise UsageError(
            "flexflow worker needs REDIS_URL (without it, `flexflow bot` and `flexflow "
            "generate` run their own in-process worker)"
        )
    # No dramatiq_worker_timeout tuning: idle consumers are woken by each enqueue
    # (jobs.broker.WakingRedisBroker), so they need not poll often.
    _fewer_malloc_arenas()  # before Dramatiq forks the worker processes
    from dramatiq.cli import main as dramatiq_main
    from dramatiq.cli import make_argument_parser

    processes = args.processes or settings.flexflow_worker_processes
    threads = args.threads or settings.worker_threads
    argv = ["jobs.root:setup", "--processes", str(processes), "--threads", str(threads)]
    argv += ["--worker-shutdown-timeout", str(WORKER_SHUTDOWN_TIMEOUT_MS)]
    metrics_dir = _worker_metrics_dir(settings)
    try:
        return int(dramatiq_main(make_argument_parser().parse_args(argv)) or 0)  # type: ignore[no-untyped-call]
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _worker_metrics_dir(settings: Settings) -> str | None:
    """With FLEXFLOW_WORKER_METRICS_PORT: a fresh directory for every worker process's
    metrics (prometheus_client's multiprocess mode, Dramatiq's ``dramatiq_prom_db``), set
    in the environment before any process imports prometheus_client. None without a port."""
    port = settings.flexflow_worker_metrics_port
    if port is None:
        return None
    with socket.socket() as probe:  # one clear line now rather than a crashed process later
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((settings.flexflow_metrics_host, port))
        except OSError as exc:
            raise UsageError(
                f"FLEXFLOW_WORKER_METRICS_PORT {port} cannot be used: {exc.strerror}"
            ) from None
    path = tempfile.mkdtemp(prefix="flexflow-worker-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    os.environ["dramatiq_prom_db"] = path  # noqa: SIM112  (Dramatiq spells it so)
    return path


def cmd_bot(args: argparse.Namespace) -> int:
    """Run the Telegram bot."""
    settings = _settings()
    if settings.telegram_bot_token is None:
        raise UsageError("TELEGRAM_BOT_TOKEN is not set: get one from @BotFather and export it")
    _migrate_if_embedded(settings)
    _fewer_malloc_arenas()
    import jobs
    from bot.app import check, run

    check(settings)  # before anything starts: a bad token or webhook is one line, exit 2
    embedded = None
    scheduler = None
    if settings.redis_url:
        jobs.setup_broker(settings.redis_url)
    else:
        from jobs.scheduler import build_scheduler

        log.info("no REDIS_URL: running the worker and the scheduler inside the bot")
        embedded = jobs.start_embedded_worker(settings)
        scheduler = build_scheduler(settings, background=True)
        scheduler[0].start()
    try:
        run(settings, enqueue=jobs.enqueue_generation)
    finally:
        if scheduler is not None:
            scheduler[0].shutdown(wait=True)
            scheduler[1].close()
        if embedded is not None:
            embedded.stop()
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    """Run the scheduler: reminders (and, next, rest timers) to the workers, on time."""
    settings = _settings()
    if not settings.redis_url:
        raise UsageError(
            "flexflow scheduler needs REDIS_URL (without it, `flexflow bot` runs the "
            "scheduler inside itself)"
        )
    from db.migrate import is_at_head

    if not is_at_head(settings.database_url):
        raise UsageError("the database is not migrated: run `flexflow db upgrade` first")
    import signal

    import jobs
    from jobs.scheduler import build_scheduler

    jobs.setup_broker(settings.redis_url)
    scheduler, ticker = build_scheduler(settings, background=False)

    def stop(signum: int, frame: object) -> None:
        scheduler.shutdown(wait=True)  # the tick in hand finishes, then start() returns

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler: ticking every %.1f s", settings.flexflow_scheduler_tick_s)
    try:
        scheduler.start()
    finally:
        ticker.close()
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Migrate the database to the newest schema."""
    from db.migrate import upgrade

    upgrade(_settings().database_url)
    print("database is at the newest revision")
    return 0


def cmd_demo_user(args: argparse.Namespace) -> int:
    """Create the demo profile (safe to run twice)."""
    from db.session import create_db_engine, session_factory
    from db.users import DEMO_PROFILE_ID, ensure_demo_user

    settings = _settings()
    _migrate_if_embedded(settings)
    engine = create_db_engine(settings.database_url)
    try:
        with session_factory(engine).begin() as session:
            user = ensure_demo_user(session)
            print(f"demo user {user.id} with profile {DEMO_PROFILE_ID} is ready")
    finally:
        engine.dispose()
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check configuration, database, Redis, the Bot API and the AI key."""
    from flexflow.doctor import configuration_errors, run_checks

    try:
        checks = run_checks(get_settings())
    except ValidationError as exc:  # nothing else can be checked without settings
        checks = configuration_errors(exc)
    for check in checks:
        print(f"{'ok ' if check.ok else 'BAD'} {check.name:<10} {check.detail}")
    return 0 if all(c.ok for c in checks) else 1


def cmd_catalogue_import(args: argparse.Namespace) -> int:
    """Import free-exercise-db into core/data/catalogue.json (see flexflow/catalogue_import)."""
    from pathlib import Path

    from flexflow.catalogue_import import OUTPUT, run_import

    source = Path(args.source)
    if not source.is_file():
        print(f"no such file: {source} (free-exercise-db's exercises.json)", file=sys.stderr)
        return 2
    records = run_import(source, out=Path(args.out) if args.out else OUTPUT)
    staples = sum(1 for r in records if r.get("staple"))
    print(f"{len(records)} exercises ({staples} hand-written) -> {args.out or OUTPUT}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flexflow", description="FlexFlow, the workout coach.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("bot", help="run the Telegram bot").set_defaults(func=cmd_bot)

    worker = sub.add_parser("worker", help="run the Dramatiq workers (needs REDIS_URL)")
    worker.add_argument("--processes", type=int, default=None)
    worker.add_argument("--threads", type=int, default=None)
    worker.set_defaults(func=cmd_worker)

    gen = sub.add_parser("generate", help="generate one workout and print it")
    gen.add_argument("--coach", default="MAX", help=f"one of {', '.join(COACHES)}")
    gen.add_argument("--type", default="strength", help=", ".join(t.value for t in WorkoutType))
    gen.add_argument("--duration", default="45", help=f"minutes, {MIN_DURATION}-{MAX_DURATION}")
    gen.add_argument("--equipment", default="", help="comma-separated, e.g. dumbbells,barbell")
    gen.add_argument("--level", default="intermediate", help="beginner, intermediate, advanced")
    gen.add_argument("--units", default="kg", help="kg or lb")
    gen.add_argument("--json", action="store_true", help="print the stored plan as JSON")
    gen.set_defaults(func=cmd_generate)

    db = sub.add_parser("db", help="database commands")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="migrate to the newest schema").set_defaults(
        func=cmd_db_upgrade
    )

    sub.add_parser("scheduler", help="run the scheduler (needs REDIS_URL)").set_defaults(
        func=cmd_scheduler
    )
    cat = sub.add_parser("catalogue", help="exercise catalogue commands")
    cat_sub = cat.add_subparsers(dest="catalogue_command", required=True)
    imp = cat_sub.add_parser("import", help="import free-exercise-db into the catalogue")
    imp.add_argument(
        "--source",
        default="../shared/data/free-exercise-db/exercises.json",
        help="free-exercise-db's exercises.json",
    )
    imp.add_argument("--out", default="", help="where to write (default core/data/catalogue.json)")
    imp.set_defaults(func=cmd_catalogue_import)

    sub.add_parser("demo-user", help="create the demo profile").set_defaults(func=cmd_demo_user)
    sub.add_parser("doctor", help="check the configuration and every service").set_defaults(
        func=cmd_doctor
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``flexflow`` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings: Settings | None = get_settings()
    except ValidationError:
        settings = None  # the command reports it in one line
    secrets = []
    if settings is not None:
        for value in (
            settings.telegram_bot_token,
            settings.anthropic_api_key,
            settings.telegram_webhook_secret,
        ):
            if value is not None:
                secrets.append(value.get_secret_value())
        password = make_url(settings.database_url).password
        if password:
            secrets.append(str(password))
    configure_logging(verbose=args.verbose, secrets=secrets)
    if args.command == "generate" and not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)  # the terminal shows the workout
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"flexflow: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

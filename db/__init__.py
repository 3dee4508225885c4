"""Persistence: SQLAlchemy 2 models, sessions, query functions, Alembic migrations.

Query functions take the session as their first parameter and never commit: the caller
owns the unit of work (``with sessions.begin() as session:``).

    db.session      engines and session factories (PostgreSQL, or the embedded SQLite)
    db.migrate      Alembic from code: upgrade(url), is_at_head(url) (import it by name:
                    the bot and the worker never load Alembic)
    db.models       the tables
    db.users        users, profiles, the demo user
    db.requests     workout requests (their state is moved by usecases/lifecycle.py),
                    plans, AI-call logs
    db.history      past plans: /history pages, one plan, recent workouts for the generator
    db.plans        a stored plan locked and changed in place (Swap)
    db.progression  logged sets as the next loads of each lift
    db.progress     /progress's sessions and /export's rows
    db.workoutlogs  completed workouts
    db.botstate     python-telegram-bot persistence (dialog state)

Import the modules by name (``from db import requests``); this package re-exports nothing.
"""

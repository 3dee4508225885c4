"""The ``flexflow`` command: the composition root of every process.

flexflow.cli     bot, worker, generate, db upgrade, demo-user, doctor
flexflow.doctor  ``flexflow doctor``: every dependency checked in plain words
flexflow.logs    logging: plain or JSON lines, request ids, secrets masked
"""

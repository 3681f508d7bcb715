"""Settings for JoinedUp, one module per environment.

- ``local``: the quick start and the demo (SQLite by default, plain HTTP on 127.0.0.1).
- ``test``: the test suite (fast password hashing, in-memory e-mail).
- ``production``: everything from the environment, secure cookies, HSTS, no tracebacks.

All three start from ``base``, which reads the environment through django-environ.
"""

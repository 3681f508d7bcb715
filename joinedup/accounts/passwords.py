"""Password rules beyond Django's own (SEC-01).

Following NCSC guidance: no composition rules and no forced expiry; length is what matters.
Django's validators refuse short, common and personal passwords; these two add:

- ``PatternPasswordValidator``: refuses passwords that are only one repeated character or a
  keyboard/number run with a little decoration ("aaaaaaaaaaaa", "123456789012", "qwertyuiop12"),
  which breach lists are full of even when the exact string is not listed.
- ``MaximumLengthValidator``: allows long passphrases (up to 256 characters) but stops
  megabyte-long "passwords" being hashed.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

_RUNS = (
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
    "0123456789" * 3,
    "9876543210" * 3,
    "zyxwvutsrqponmlkjihgfedcba",
)


def _is_run(text: str) -> bool:
    return len(text) >= 4 and any(text in run for run in _RUNS)


class PatternPasswordValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if len(set(password)) <= 2:
            raise ValidationError(
                "Your password is only one or two characters repeated. Use a few unrelated words.",
                code="password_repeated",
            )
        core = "".join(ch for ch in password.lower() if ch.isalnum())
        without_trailing_digits = core.rstrip("0123456789") or core
        if _is_run(core) or _is_run(without_trailing_digits):
            raise ValidationError(
                "Your password is a keyboard or number sequence. Use a few unrelated words.",
                code="password_sequence",
            )

    def get_help_text(self) -> str:
        return "Your password cannot be a repeated character or a keyboard or number sequence."


class MaximumLengthValidator:
    def __init__(self, max_length: int = 256) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"Your password must be {self.max_length} characters or fewer.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Your password can be up to {self.max_length} characters long."

"""The password policy for new and changed passwords (registration and change_password).

A password is accepted when all of these hold:
1. it is 12 to 1024 characters long (NIST SP 800-63B asks for length over composition rules; the upper bound
   keeps hashing cheap to attempt);
2. it does not contain the username (case-insensitive; usernames of 3 characters or more);
3. zxcvbn (Dropbox's estimator; its dictionaries hold the 30 000 most common leaked passwords, English words,
   names, keyboard walks, dates, repeats and l33t substitutions) scores it at least 3 of 4, i.e. it estimates at
   least 10^8 guesses, told the username as a known word. zxcvbn reads only the first 72 characters (its own
   cap, which keeps the estimate fast); a longer password is at least as strong as its first 72 characters.

The course's published default admin password is not subject to this policy: `reset` writes it as the course
requires, and production refuses to start with it unless a setting allows it (registry/settings.py).
"""
from __future__ import annotations

from registry.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 1024
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable: moderate protection from offline slow-hash scenario"
_MIN_USERNAME_IN_PASSWORD = 3


def check_password(username: str, password: str) -> None:
    """Raise InvalidInput saying what to change when `password` fails the policy for `username`."""
    if not isinstance(password, str) or not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput(f"passwords are {MIN_LENGTH} to {MAX_LENGTH} characters")
    if len(username) >= _MIN_USERNAME_IN_PASSWORD and username.casefold() in password.casefold():
        raise InvalidInput("the password must not contain the username")
    from zxcvbn import zxcvbn  # here, not at import: loading its dictionaries is ~30 ms of every cold start

    estimate = zxcvbn(password, user_inputs=[username])
    if estimate["score"] < MIN_SCORE:
        feedback = estimate["feedback"]
        advice = " ".join(filter(None, [feedback.get("warning"), *feedback.get("suggestions", [])]))
        raise InvalidInput(f"the password is too easy to guess{': ' + advice if advice else ''}")

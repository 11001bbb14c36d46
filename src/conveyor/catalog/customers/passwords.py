"""Magento's default customer password rules, with its messages (checked before anything is hashed or stored).

Magento's defaults: ``customer/password/minimum_password_length`` 8, ``required_character_classes_number`` 3
(lower case, upper case, digits, anything else), at most 256 characters, no surrounding spaces, not the email.
"""

from __future__ import annotations

from conveyor.catalog.errors import InvalidValueError

MIN_LENGTH = 8
MAX_LENGTH = 256
CLASSES = 3
TOO_SHORT = "The password needs at least %1 characters. Create a new password and try again."
TOO_LONG = "Please enter a password with at most %1 characters."
CLASSES_MISSING = (
    "Minimum of different classes of characters in password is %1. "
    "Classes of characters: Lower Case, Upper Case, Digits, Special Characters."
)
IS_EMAIL = "The password can't be the same as the email address. Create a new password and try again."
SPACES = "The password can't begin or end with a space. Verify the password and try again."


def check_password(password: str, email: str) -> None:
    """Refuse a password Magento's default rules refuse, with Magento's message."""
    if len(password) > MAX_LENGTH:
        raise InvalidValueError(TOO_LONG, [str(MAX_LENGTH)])
    if len(password) < MIN_LENGTH:
        raise InvalidValueError(TOO_SHORT, [str(MIN_LENGTH)])
    if password != password.strip():
        raise InvalidValueError(SPACES)
    classes = (  # ASCII classes, as Magento's preg_match('/[a-z]+/') …: an accented letter is a special character
        any("a" <= c <= "z" for c in password),
        any("A" <= c <= "Z" for c in password),
        any("0" <= c <= "9" for c in password),
        any(not (c.isascii() and c.isalnum()) for c in password),
    )
    if sum(classes) < CLASSES:
        raise InvalidValueError(CLASSES_MISSING, [str(CLASSES)])
    if password.strip().lower() == email.strip().lower():
        raise InvalidValueError(IS_EMAIL)

"""The password of an account made on the command line, shared by the commands that create accounts."""

from __future__ import annotations

import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


def set_password_from_environment_or_prompt(user, *, variable: str, no_password: bool) -> None:
    """Give ``user`` the password in $``variable``, else one asked twice at the terminal (refused when
    not interactive), checked by the password validators; unusable with ``no_password``."""
    if no_password:
        user.set_unusable_password()
        return
    password = os.environ.get(variable)
    if not password:
        if not os.isatty(0):
            raise CommandError(f"set {variable} or use --no-password when not interactive")
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("the passwords differ")
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from None
    user.set_password(password)

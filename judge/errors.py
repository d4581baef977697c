"""Errors the CLI turns into one-line messages and exit codes (DESIGN.md)."""


class JudgeError(Exception):
    """Base: carries the exit code the CLI uses."""

    exit_code = 3


class UsageError(JudgeError):
    """Bad input from the user: exit code 2."""

    exit_code = 2


class InternalError(JudgeError):
    """The judge could not judge (engine down, reference failed): exit code 3."""

    exit_code = 3

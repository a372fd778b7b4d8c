"""Errors that mean "the user's input is wrong": shown as one line, exit status 2, no traceback."""


class UsageError(Exception):
    """Bad usage or unreadable input; the message names what and where."""

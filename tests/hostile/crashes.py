"""Ends the process, or tries to."""

import ctypes
import os
import sys


def exit_now(code):
    os._exit(code)


def sys_exit(code):
    sys.exit(code)


def raise_system_exit():
    raise SystemExit("bye")


def raise_keyboard_interrupt():
    raise KeyboardInterrupt


def segfault():
    return ctypes.string_at(8, 1)  # address 8: unmapped (address 0 means "allocate")


def abort():
    os.abort()


def alive():
    return os.getpid()

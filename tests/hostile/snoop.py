"""Looks for secrets: environment, other processes, loaded modules, the network."""

import os
import socket
import sys


def environ():
    return dict(os.environ)


def proc_environ(pid):
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            return fh.read().decode("latin-1")
    except Exception as exc:
        return type(exc).__name__


def all_environs():
    """Every environment block this process can read."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/environ", "rb") as fh:
                    found.append(fh.read())
            except Exception:
                pass
    return b"\n".join(found).decode("latin-1")


def module_names():
    return sorted(sys.modules)


def connect(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return "connected"
    except Exception as exc:
        return type(exc).__name__


def identity():
    return os.getuid(), os.getcwd(), sorted(os.listdir(".")), sys.path


def try_import(name):
    """Import a module by name: its file, or the name of the error."""
    import importlib
    try:
        module = importlib.import_module(name)
    except BaseException as exc:
        return type(exc).__name__
    return getattr(module, "__file__", None) or "namespace"

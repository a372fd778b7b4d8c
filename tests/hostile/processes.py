"""Starts processes meant to outlive grading, or to end everything else."""

import ctypes
import os
import signal
import subprocess
import time


def _name_me(marker):
    ctypes.CDLL(None).prctl(15, marker.encode(), 0, 0, 0)  # PR_SET_NAME: /proc/PID/comm


def _linger(marker):
    try:
        _name_me(marker)
        time.sleep(1000)
    finally:
        os._exit(0)


def fork_bomb(marker):
    """Fork until the kernel refuses; every child sleeps. Returns how many forks succeeded."""
    started = 0
    while True:
        try:
            pid = os.fork()
        except OSError:
            return started
        if pid == 0:
            _linger(marker)
        started += 1


def background(marker, seconds):
    """A sleeping subprocess in its own session, and a double-forked setsid daemon."""
    subprocess.Popen(["sleep", seconds], start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                _linger(marker)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    return "started"


def kill_everything():
    """Signal every process this one may signal."""
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError as exc:
        return type(exc).__name__
    return "sent"


def visible_pids():
    return sorted(int(p) for p in os.listdir("/proc") if p.isdigit())

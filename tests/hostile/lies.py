"""Tries to fool the judge: lying results, fake exceptions, a patched runtime, a forged channel."""

import builtins
import json
import os
import struct

import numpy as np


class ValueError(Exception):  # noqa: A001 - a student's own class of the builtin's name
    pass


class RealError(builtins.ValueError):
    pass


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


class Sneaky(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)


def numpy_subclass():
    return np.arange(3.0).view(Sneaky)


def always_equal():
    return AlwaysEqual()


def fake_value_error():
    raise ValueError("looks builtin")


def real_value_error():
    raise RealError("is builtin")


def patch_runtime():
    """Break json and the builtin exceptions in this process, then return normally."""
    json.dumps = lambda *a, **k: "garbage"
    json.loads = lambda *a, **k: {"kind": "ok", "value": 42}
    builtins.ValueError = RealError
    builtins.NotImplementedError = RealError
    return [1, 2]


def not_implemented():
    raise NotImplementedError


def garbage_on_channel():
    os.write(3, b"\xff\xff\xff\x7fnot a frame")
    return 1


def forged_reply(guess_id):
    body = json.JSONEncoder().encode({"id": guess_id + 1000, "kind": "ok", "value": 42}).encode()
    os.write(3, struct.pack("<I", len(body)) + body)
    return 0


def unsendable(which):
    if which == "int":
        return 10 ** 5000
    if which == "nested":
        deep = []
        for _ in range(1000):
            deep = [deep]
        return deep
    if which == "loop":
        loop = []
        loop.append(loop)
        return loop
    return 0

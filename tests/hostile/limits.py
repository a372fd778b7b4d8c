"""Runs out of time, memory or output."""

import time


def spin():
    while True:
        pass


def sleep_forever():
    time.sleep(10_000)


def memory_bomb():
    hoard = []
    while True:
        hoard.append(bytearray(16 << 20))


def shout(megabytes):
    chunk = "x" * (1 << 20)
    for _ in range(megabytes):
        print(chunk)
    return "done"


def quick(x):
    print("quick", x)
    return x

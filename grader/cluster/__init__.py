"""Grading a class on a Dask cluster: ``embedlab grade CLASS --out DIR --scheduler ADDRESS`` or
``--cluster local:N`` (issue 13; how to run it on SLURM or Kubernetes: docs/cluster.md).

The grading pipeline stays :func:`grader.grading.engine.grade_class`; this room only adds a second place
where step 4 (the judge) can run. :class:`DaskBackend` is that backend, beside the engine's
``LocalPool`` (``--jobs``): the client reads every submission, sends it to a Dask worker as data,
and gets the result back; the client alone writes the results files, the store and the
gradebook, so resuming, ``--force`` and Ctrl-C are the engine's, the same as with ``--jobs``.

- ``backend.py`` — the client's side: start or reach the cluster, check that every worker grades
  the same assignment, stream submissions through it, turn worker deaths and a lost scheduler
  into rows and one-line errors.
- ``worker.py`` — the worker's side: a ``WorkerPlugin`` holding one warm judge per worker process,
  and the task that grades one submission.

What it may import: the grading pipeline (``grader.grading.engine``, ``results``, ``submission``), the
sandbox's ``Limits``, ``errors``; never the CLI, which is the only one that imports this room.
Dask (``distributed``) is an optional extra: importing this package does not import it, and
:func:`require_dask` says how to install it.
"""

from __future__ import annotations

from ..errors import UsageError

#: how to get what --scheduler / --cluster need
INSTALL_HINT = "pip install 'embedlab[cluster]'"


class ClusterError(UsageError):
    """The cluster cannot grade (unreachable, refused workers, scheduler gone): one line, exit 2."""


def require_dask(*, local: bool = False) -> None:
    """Raise :class:`ClusterError` with the install command unless Dask distributed can be used.

    ``local`` also needs ``cryptography``: a cluster started here talks TLS with a throw-away
    certificate, so nothing else on the machine can submit work to it.
    """
    try:
        import distributed  # noqa: F401
        if local:
            import cryptography  # noqa: F401
    except ImportError as exc:
        raise ClusterError(f"grading on a Dask cluster needs {exc.name or 'Dask'}, which is not installed: "
                           f"{INSTALL_HINT}") from None


def parse_local(spec: str) -> int:
    """The N of ``--cluster local:N``: ``parse_local("local:4") == 4``."""
    kind, _, count = spec.partition(":")
    if kind != "local" or not count.isdigit() or int(count) < 1:
        raise UsageError(f"--cluster {spec!r}: expected local:N with N at least 1, e.g. local:4 "
                         "(for a cluster that is already running, use --scheduler ADDRESS)")
    return int(count)


def __getattr__(name: str):
    if name == "DaskBackend":  # imported on first use: it imports Dask
        from .backend import DaskBackend
        return DaskBackend
    raise AttributeError(name)

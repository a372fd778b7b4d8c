"""The student room: the verbs of the handout — ``check``, ``hint``, ``watch``, ``submit``.

May import: the base layer, :mod:`grader.grading` (reading a submission, the Judge),
:mod:`grader.sandbox`, :mod:`grader.casekit`, :mod:`grader.quiz`, and the frozen reference the
handout ships (:mod:`grader.authoring.frozen_ref`). Never export or the cli.
"""

"""The grading room: the pipeline that turns a class folder into scores.

``engine`` (the pipeline, its steps listed at its top, and :class:`~grader.grading.engine.Judge`),
``submission`` (reading one entry: a folder, a zip or a notebook), ``notebook`` (a notebook's
module cells), ``results`` (results.json, feedback, the gradebook CSV), ``store`` (the cache of
graded entries).

May import: the base layer (errors, paths, fsutil), :mod:`grader.sandbox`, :mod:`grader.casekit`,
:mod:`grader.quiz`, :mod:`grader.course` (the course policy, issue 15). Never student, authoring,
export, or the cli: those use grading, not the reverse.
"""

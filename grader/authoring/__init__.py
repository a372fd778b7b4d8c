"""The authoring room: the instructor's tools — stub generation (``generate``), the handout
(``release``, with its templates in ``handout/``), ``validate``, and the frozen reference
(``frozen_ref``: the reference's answers to the public cases, shipped so ``embedlab check`` works
without the solutions).

May import: the base layer, :mod:`grader.grading`, :mod:`grader.sandbox`, :mod:`grader.casekit`,
:mod:`grader.quiz`, :mod:`grader.student`. Never export or the cli.
"""

"""embedlab's grading engine, command line and tooling.

Importing this package must stay cheap and must never import ``solutions``: the sandbox zygote
imports ``grader`` modules before it forks student code.
"""

__version__ = "0.1.0"

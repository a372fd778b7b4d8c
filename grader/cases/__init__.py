"""The graded cases: ``public/`` ships to students with the handout, ``hidden/`` never does."""

"""Hidden cases: graded, never shipped; their feedback is the concept, a hint and the kind of failure."""

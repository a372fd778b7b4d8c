"""Public cases: students run them with ``embedlab check``; their messages show input, expected, got."""

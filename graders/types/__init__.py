"""One module per grader type; each registers itself with `graders.registry.register`."""

"""The built-in attack families; importing this package registers them (see `graders.audit.registry`)."""
from graders.audit.families import answers, code, instructions, judges, universal  # noqa: F401

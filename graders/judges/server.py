"""Moved to `graders.models.server`; `python -m graders.judges.server` still starts it until its last users
switch to `python -m graders.models.server`."""
import sys

from graders.models.server import main

if __name__ == "__main__":
    sys.exit(main())

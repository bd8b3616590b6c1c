"""What the sandbox images bake in besides Debian packages: locks of Python packages (`*.lock.txt`, made from
`*.in.txt` by `python -m sandbox.wheels lock`) and the build-stage scripts and data files they use."""

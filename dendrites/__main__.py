"""``python -m dendrites``: the same as the ``dendrites`` command (:mod:`dendrites.cli`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())

"""``python -m streams`` is the ``distillguard`` command."""

import sys

from streams.cli import main

sys.exit(main())

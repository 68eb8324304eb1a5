"""``python -m yaiba``: the ``yaiba`` command."""

import sys

from yaiba.cli.main import main

sys.exit(main())

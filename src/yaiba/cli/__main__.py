"""``python -m yaiba.cli``."""

import sys

from yaiba.cli.main import main

sys.exit(main())

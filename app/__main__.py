"""``python -m app``: the same as the ``aiplan`` command."""

import sys

from app.main import main

sys.exit(main())

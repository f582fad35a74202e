"""The frozen app's entry script: the same ``app.main:main`` as the ``aiplan`` console script."""

import sys

from app.main import main

if __name__ == "__main__":
    sys.exit(main())

"""``python -m tools.sample [--out DIR] [--max-cities N]``: regenerate the bundled sample (see tools/sample/make.py)."""

import sys

from tools.sample.make import main

sys.exit(main())

"""`python -m flowscale.cli`: the same as the `flowscale` script."""

import sys

from . import main

sys.exit(main())

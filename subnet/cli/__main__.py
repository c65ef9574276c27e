"""``python -m subnet.cli``: the ``subnet`` command."""

import sys

from . import main

sys.exit(main())

#!/usr/bin/env python3
"""Build the campaign materials: `python build_posters.py build | check | serve` (see README)."""

import sys

from campaign_kit.cli import main

if __name__ == "__main__":
    sys.exit(main())

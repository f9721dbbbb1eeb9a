"""Fast per-store rendering: a WeasyPrint background laid out once, store text and QR drawn on top."""

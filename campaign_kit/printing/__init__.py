"""Print production: QR codes, fonts, shrink-to-fit, WeasyPrint rendering and the checks every
printed item passes (PDF boxes, glyph coverage, QR decoded back from the rendered page)."""

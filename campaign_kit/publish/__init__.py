"""Helpers for the publishing stages (messages, forms, bundles, changes): SMS segment counting,
reproducible ZIP/.docx/.xlsx writing and the kit's fixed wording in `templates/kit/`."""

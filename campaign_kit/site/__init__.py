"""The multilingual install-guide site: page sources, generated pages, one mkdocs build per
language, go pages for QR codes, search folding and self-hosted font subsets."""

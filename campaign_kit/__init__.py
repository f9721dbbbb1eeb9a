"""Campaign materials pipeline: official content in, guide site, print files and kit out."""

# The release. Cache keys use `cache.code_version()`, a digest of the source itself.
__version__ = "0.1.0"

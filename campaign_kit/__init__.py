"""Campaign materials pipeline: official content in, guide site, print files and kit out."""

# Part of every cache key: bump when a code change alters any output.
__version__ = "0.1.0"

"""archive: a static site generator for annotated Chinese interview archives."""

__version__ = "0.1.0"

"""ML Judge: judges machine-learning coding problems in a sandbox."""

__version__ = "0.1.0"

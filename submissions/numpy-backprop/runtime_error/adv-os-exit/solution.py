"""Adversarial: os._exit(0) at import: no cleanup, no results, exit code 0."""
import os

os._exit(0)

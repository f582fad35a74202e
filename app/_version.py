"""The one version source of the product (read by pyproject and packaging)."""

__version__ = "0.1.0"

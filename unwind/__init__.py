"""Anatomy of an Unwind: the shared code behind every chapter of the report."""

__version__ = "0.1.0"

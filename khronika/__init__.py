"""Khronika: eyewitness testimony about a crisis, turned into a sourced, reviewable chronicle."""

__version__ = "0.1.0"

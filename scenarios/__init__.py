"""Scenarios: centre placement, van routes and what-if analyses."""

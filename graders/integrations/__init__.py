"""Adapters that plug verigrade graders into trainers."""

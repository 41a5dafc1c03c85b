"""Coordination structure templates, one per coordinator model of the DPKO/DFS study (package data)."""

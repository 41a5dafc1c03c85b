"""Threat assessment: risk scoring, the PoC threat matrix, response options by tier and phase."""

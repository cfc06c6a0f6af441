"""Hazard chains: domino escalation between process units and natural-hazard-triggered (Natech) releases."""

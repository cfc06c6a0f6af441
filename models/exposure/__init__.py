"""Exposure models: who and what is where (population, buildings, assets)."""

"""Terrain: DEM input, slope, aspect, drainage and a procedural mountain valley."""

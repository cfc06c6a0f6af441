"""Physical hazard models (dispersion, fires, explosions, ...)."""

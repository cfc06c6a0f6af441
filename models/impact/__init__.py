"""Impact models: vulnerability of people and equipment."""

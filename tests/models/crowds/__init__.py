"""Tests of the crowd evacuation models."""

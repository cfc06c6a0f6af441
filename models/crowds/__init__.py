"""Crowd evacuation core: walkable geometry, routing fields and pedestrian kernels.

:mod:`models.crowds.geometry` describes where people can walk (a polygon with holes, exits as
gaps in its boundary, intermediate targets, stairs) and turns it into wall segments and a
raster; :mod:`models.crowds.routing` solves the eikonal equation on that raster for the
desired-direction fields and chooses exits; the agent kernels move people along them.
"""

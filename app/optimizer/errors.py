"""Errors raised by the optimizer library.

A lift the solver cannot serve is *not* an error: it is reported in the result with a reason.
These exceptions are for inputs that make no sense (a window that ends before it starts, a matrix
of the wrong size) and for road networks that cannot be used.
"""

from __future__ import annotations


class InvalidProblem(ValueError):
    """The problem given to the optimizer is malformed; the message names the field."""


class RoadNetworkError(ValueError):
    """A road network could not be loaded or used (unreadable, empty, no drivable roads)."""


class PointNotOnNetwork(ValueError):
    """A point lies too far from any road of the network to be snapped to it."""

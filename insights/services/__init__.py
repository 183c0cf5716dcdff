"""Writes of the insights app (surveys); metrics are reads and live in ``insights.metrics``."""

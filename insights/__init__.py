"""Insights: surveys (CSAT, CES, NPS), loyalty and engagement metrics over the interaction log
and purchases, predictive lifetime value, and the admin reports with charts."""

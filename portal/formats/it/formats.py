"""Italian date formats: "6 dic 2026, 14:05" (``b``: the month's lower-case abbreviation).

Same shapes as English (portal/formats/en); formats not named here come from Django's ``it``.
"""

DATE_FORMAT = "j b Y"
SHORT_DATE_FORMAT = "j b Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j b Y, H:i"
SHORT_DATETIME_FORMAT = "j b Y, H:i"
YEAR_MONTH_FORMAT = "b Y"
MONTH_DAY_FORMAT = "j F"

"""English date formats: one style on every page (issue 18, item 6): "6 Dec 2026, 14:05".

24-hour times everywhere; no numeric day/month dates (12/06/2026 reads differently on each
side of the Atlantic). Formats not named here come from Django's own ``en`` module.
"""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "j F"

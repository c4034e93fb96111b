"""Date formats of the German interface, beside Django's own (FORMAT_MODULE_PATH).

Templates name these formats instead of writing a pattern, so that each language gets its own:
`{{ value|date:"LONG_DATETIME_FORMAT" }}`.
"""

LONG_DATE_FORMAT = "l, j. F Y"  # Mittwoch, 9. Juni 2027
LONG_DATETIME_FORMAT = "l, j. F Y, H:i"  # Mittwoch, 9. Juni 2027, 10:00 (followed by "Uhr")
DAY_DATETIME_FORMAT = "j. F Y, H:i"  # 9. Juni 2027, 10:00
SESSION_START_FORMAT = "D, j. F, H:i"  # Mi, 9. Juni, 10:00
SHORT_DAY_TIME_FORMAT = "d.m. H:i"  # 09.06. 10:00

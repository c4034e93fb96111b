"""Date formats of the English interface (see `config.formats.de.formats`), in the order of
Django's English DATE_FORMAT that the public pages use ("June 9, 2027"), with the 24-hour clock."""

LONG_DATE_FORMAT = "l, F j, Y"  # Wednesday, June 9, 2027
LONG_DATETIME_FORMAT = "l, F j, Y, H:i"  # Wednesday, June 9, 2027, 10:00
DAY_DATETIME_FORMAT = "F j, Y, H:i"  # June 9, 2027, 10:00
SESSION_START_FORMAT = "D, F j, H:i"  # Wed, June 9, 10:00
SHORT_DAY_TIME_FORMAT = "M j, H:i"  # Jun 9, 10:00

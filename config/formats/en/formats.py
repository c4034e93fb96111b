"""Date formats of the English interface (see `config.formats.de.formats`).

Our readers are European: the day stands before the month, the month is written out and the clock
has 24 hours ("8 June 2027, 11:15"). Django's own English formats ("June 8, 2027",
"06/08/2027 11:15 a.m.") would read as 6 August to many of them, so every format Django uses for
English (templates, e-mails, the admin) is set here, as are the named formats of our templates.
"""

# Django's own names (`date:"DATE_FORMAT"`, `date_format()`, `localize`, the admin).
DATE_FORMAT = "j F Y"  # 8 June 2027
TIME_FORMAT = "H:i"  # 11:15
DATETIME_FORMAT = "j F Y, H:i"  # 8 June 2027, 11:15
YEAR_MONTH_FORMAT = "F Y"  # June 2027
MONTH_DAY_FORMAT = "j F"  # 8 June
SHORT_DATE_FORMAT = "j M Y"  # 8 Jun 2027 (never 08/06/2027, which is ambiguous)
SHORT_DATETIME_FORMAT = "j M Y, H:i"  # 8 Jun 2027, 11:15
FIRST_DAY_OF_WEEK = 1  # Monday
# What a form accepts: ISO first (the admin's widgets write it), then the European orders;
# never the US month/day/year.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d %B %Y", "%d %b %Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3

# Our own names (see the German module).
LONG_DATE_FORMAT = "l j F Y"  # Wednesday 9 June 2027
LONG_DATETIME_FORMAT = "l j F Y, H:i"  # Wednesday 9 June 2027, 10:00
DAY_DATETIME_FORMAT = "j F Y, H:i"  # 9 June 2027, 10:00
SESSION_START_FORMAT = "D j F, H:i"  # Wed 9 June, 10:00
SHORT_DAY_TIME_FORMAT = "j M, H:i"  # 9 Jun, 10:00

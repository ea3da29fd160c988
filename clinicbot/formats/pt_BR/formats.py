"""pt-BR formats for staff screens: Django's, with compact dates and times.

Django's own pt_BR writes every date and time in full ("8 de dezembro de 2026 às 08:00"),
which takes a third of an admin list at 1280 px and pushes its key columns out of sight.
The front desk reads "08/12/2026 08:00" at a glance. Month names stay for the date
drill-down and the "mês de ano" headings (in lower case, from clinicbot/locale).
"""

from django.conf.locale.pt_BR.formats import (  # noqa: F401  (re-exported as this locale's)
    DATE_INPUT_FORMATS,
    DATETIME_INPUT_FORMATS,
    DECIMAL_SEPARATOR,
    FIRST_DAY_OF_WEEK,
    MONTH_DAY_FORMAT,
    NUMBER_GROUPING,
    THOUSAND_SEPARATOR,
    TIME_FORMAT,
    YEAR_MONTH_FORMAT,
)

DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"

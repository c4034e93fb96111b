"""The geometry of the overview's charts; the SVG is drawn by templates
(`admin/registrations/charts/`), styled by classes in `static/css/admin-charts.css`: no script, no
inline style, no third-party request. Each chart is labelled by its caption and stands beside a
table holding the same figures."""

from dataclasses import dataclass

from django.utils.text import Truncator


@dataclass(frozen=True)
class Row:
    label: str
    value: int
    url: str = ""


@dataclass(frozen=True)
class Bar:
    """One bar: `x`, `y`, `width`, `height` of its rectangle; `label_x`, `value_x`, `text_y` of
    the texts beside it."""

    row: Row
    short_label: str
    x: float
    y: float
    width: float
    height: float
    label_x: float
    value_x: float
    text_y: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    #: Column charts: the axis at `base`, the largest value at the top, the first and last label.
    base: float = 0
    left: float = 0
    top: int = 0
    first: Bar | None = None
    last: Bar | None = None


def bar_chart(rows: list[Row]) -> Chart:
    """Horizontal bars, one per row, the label before and the value after each bar."""
    row_height, label_width, bar_width, value_width = 26, 230, 300, 60
    top = max((row.value for row in rows), default=0) or 1
    bars = []
    for i, row in enumerate(rows):
        y = i * row_height
        length = round(bar_width * row.value / top, 1)
        bars.append(
            Bar(
                row=row,
                short_label=Truncator(row.label).chars(34),
                x=label_width,
                y=y + 5,
                width=length,
                height=row_height - 10,
                label_x=label_width - 8,
                value_x=label_width + length + 6,
                text_y=y + row_height / 2,
            )
        )
    return Chart(
        width=label_width + bar_width + value_width,
        height=row_height * len(rows) + 4,
        bars=bars,
    )


def column_chart(rows: list[Row]) -> Chart | None:
    """Vertical columns over time (one per day); the first and last day and the maximum are
    labelled."""
    if not rows:
        return None
    height, base, left = 170, 140, 34
    step = max(4, min(28, 640 // len(rows)))
    top = max(row.value for row in rows) or 1
    bars = []
    for i, row in enumerate(rows):
        column = round((base - 14) * row.value / top, 1)
        bars.append(
            Bar(
                row=row,
                short_label=row.label,
                x=left + i * step + 1,
                y=base - column,
                width=max(step - 2, 2),
                height=column,
                label_x=left + i * step,
                value_x=left + (i + 1) * step,
                text_y=base + 18,
            )
        )
    return Chart(
        width=left + step * len(rows) + 10,
        height=height,
        bars=bars,
        base=base,
        left=left,
        top=top,
        first=bars[0],
        last=bars[-1] if len(bars) > 1 else None,
    )


@dataclass(frozen=True)
class SeatBar:
    width: int
    filled: float


def seat_bar(taken: int, capacity: int | None, *, width: int = 160) -> SeatBar | None:
    """A small taken-of-capacity bar, decorative (the figures stand beside it)."""
    if not capacity:
        return None
    return SeatBar(width=width, filled=round(width * min(taken, capacity) / capacity, 1))

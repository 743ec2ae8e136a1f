"""Server-drawn SVG charts: no JavaScript, no CDN, readable by assistive technology.

Each chart is an ``<svg role="img">`` labelled by its ``<title>`` and ``<desc>``; the page
puts the full data table right after it. Series differ by fill pattern and position as well
as colour, and a legend names them in text.
"""

from __future__ import annotations

import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 760
LABEL_WIDTH = 250
VALUE_GAP = 60
BAR_HEIGHT = 14


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _open(chart_id: str, title: str, desc: str, height: int) -> list[str]:
    return [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
        f'<defs><pattern id="{escape(chart_id)}-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
        'patternTransform="rotate(45)"><rect width="6" height="6" class="chart-hatch-bg"/>'
        '<line x1="0" y1="0" x2="0" y2="6" class="chart-hatch-line"/></pattern></defs>',
    ]


def bars(
    *,
    chart_id: str,
    title: str,
    desc: str,
    rows: list[tuple[str, list[int | float | None]]],
    series: list[str],
) -> SafeString:
    """Horizontal bars, one group per row, one bar per series (first series hatched)."""
    n = max(len(series), 1)
    group = n * BAR_HEIGHT + 12
    legend_height = 28
    height = legend_height + group * max(len(rows), 1) + 8
    peak = max([v for _, values in rows for v in values if v is not None] or [0]) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_GAP - 10
    out = _open(chart_id, title, desc, height)
    x = LABEL_WIDTH
    for i, name in enumerate(series):
        fill = f"url(#{escape(chart_id)}-hatch)" if i == 0 and n > 1 else ""
        out.append(
            f'<rect x="{x}" y="6" width="14" height="14" class="chart-series-{i}"'
            + (f' style="fill:{fill}"' if fill else "") + "/>"
        )
        out.append(f'<text x="{x + 20}" y="18" class="chart-legend">{escape(name)}</text>')
        x += 30 + 8 * len(name)
    if not rows:
        out.append(f'<text x="{LABEL_WIDTH}" y="{legend_height + 16}" class="chart-label">–</text>')
    for r, (label, values) in enumerate(rows):
        top = legend_height + r * group
        out.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{top + group / 2 + 2:.1f}" text-anchor="end" class="chart-label">'
            f"{escape(label)}</text>"
        )
        for i, value in enumerate(values):
            y = top + 4 + i * BAR_HEIGHT
            width = 0 if not value else max(span * value / peak, 1)
            fill = f' style="fill:url(#{escape(chart_id)}-hatch)"' if i == 0 and n > 1 else ""
            out.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT - 2}" '
                f'class="chart-series-{i}"{fill}/>'
            )
            out.append(
                f'<text x="{LABEL_WIDTH + width + 4:.1f}" y="{y + BAR_HEIGHT - 4}" class="chart-value">'
                f"{escape(_fmt(value))}</text>"
            )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308  every interpolated text is escaped above


def line(*, chart_id: str, title: str, desc: str, points: list[tuple[str, int]]) -> SafeString:
    """A rising line of cumulative values with a dot and label per point."""
    height, top, bottom = 300, 20, 50
    left, right = 70, 40
    out = _open(chart_id, title, desc, height)
    if not points:
        out.append(f'<text x="{left}" y="{height / 2}" class="chart-label">–</text></svg>')
        return mark_safe("".join(out))  # noqa: S308
    peak = max(v for _, v in points) or 1
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    step = plot_w / max(len(points) - 1, 1)

    def xy(i: int, v: int) -> tuple[float, float]:
        return left + i * step, top + plot_h - plot_h * v / peak

    for frac in (0, 0.25, 0.5, 0.75, 1):
        y = top + plot_h - plot_h * frac
        out.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" class="chart-grid"/>')
        out.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="chart-value">{_fmt(round(peak * frac))}</text>'
        )
    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(xy(i, v) for i, (_, v) in enumerate(points)))
    out.append(f'<path d="{path}" class="chart-line"/>')
    label_every = max(1, math.ceil(64 / step))  # month labels need about 64 px each
    for i, (label, value) in enumerate(points):
        x, y = xy(i, value)
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="chart-dot"/>')
        if (len(points) - 1 - i) % label_every == 0:  # counted back from the latest month
            out.append(
                f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" class="chart-value">{escape(label)}</text>'
            )
    last_x, last_y = xy(len(points) - 1, points[-1][1])
    out.append(
        f'<text x="{min(last_x, WIDTH - right - 4):.1f}" y="{max(last_y - 8, 12):.1f}" text-anchor="end" '
        f'class="chart-value">{escape(_fmt(points[-1][1]))}</text>'
    )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308

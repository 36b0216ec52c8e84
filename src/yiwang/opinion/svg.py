"""Small server-rendered SVG charts for the stored reports: a report must read the same in a
year, offline and without scripts, so it carries its charts as markup."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

INK = "#1f2937"
MUTED = "#6b7280"
ACCENT = "#c0392b"
BAR = "#2563eb"


def line_chart(
    points: list[tuple[str, int]], *, width: int = 720, height: int = 220, title: str = ""
) -> SafeString:
    """A line of counts over labelled x positions, with the peak marked."""
    left, right, top, bottom = 40, 28, 16, 36
    inner_w, inner_h = width - left - right, height - top - bottom
    peak = max((v for _l, v in points), default=0) or 1
    n = len(points)

    def x(i: int) -> float:
        return left + (inner_w * i / (n - 1) if n > 1 else inner_w / 2)

    def y(v: int) -> float:
        return top + inner_h - inner_h * v / peak

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}">',
        f'<line x1="{left}" y1="{top + inner_h}" x2="{width - right}" y2="{top + inner_h}" '
        f'stroke="{MUTED}" stroke-width="1"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="11" '
        f'fill="{MUTED}">{peak}</text>',
        f'<text x="{left - 6}" y="{top + inner_h}" text-anchor="end" font-size="11" '
        f'fill="{MUTED}">0</text>',
    ]
    if points:
        path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_l, v) in enumerate(points))
        parts.append(f'<polyline points="{path}" fill="none" stroke="{BAR}" stroke-width="2"/>')
        step = max(1, n // 8)
        for i, (label, _v) in enumerate(points):
            if i % step == 0 or i == n - 1:
                parts.append(
                    f'<text x="{x(i):.1f}" y="{height - 14}" text-anchor="middle" '
                    f'font-size="11" fill="{MUTED}">{escape(label)}</text>'
                )
        top_i = max(range(n), key=lambda i: points[i][1])
        parts.append(
            f'<circle cx="{x(top_i):.1f}" cy="{y(points[top_i][1]):.1f}" r="4" fill="{ACCENT}"/>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def bar_chart(
    items: list[tuple[str, int]], *, width: int = 720, bar: int = 22, title: str = ""
) -> SafeString:
    """Horizontal bars, one per labelled count, in the given order."""
    label_w, right, gap = 170, 60, 6
    height = max(1, len(items)) * (bar + gap) + gap
    peak = max((v for _l, v in items), default=0) or 1
    inner = width - label_w - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}">'
    ]
    for i, (label, value) in enumerate(items):
        top = gap + i * (bar + gap)
        length = inner * value / peak
        parts.append(
            f'<text x="{label_w - 8}" y="{top + bar * 0.7:.1f}" text-anchor="end" '
            f'font-size="12" fill="{INK}">{escape(label[:14])}</text>'
            f'<rect x="{label_w}" y="{top}" width="{length:.1f}" height="{bar}" fill="{BAR}" '
            f'rx="2"/><text x="{label_w + length + 6:.1f}" y="{top + bar * 0.7:.1f}" '
            f'font-size="12" fill="{INK}">{value}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))

"""Small, deterministic SVG charts for reports: the maturity ladder and the competency radar.

Each chart carries a <title> and a <desc> that say in words what it shows, and never relies on
colour alone: marks are labelled, and unrated competencies are drawn as gaps and named as such,
not as zero. Numbers are printed with fixed precision so the same input gives the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import NamedTuple


class Rung(NamedTuple):
    name: str
    rank: int
    attained: bool
    current: bool
    target: bool


class Axis(NamedTuple):
    name: str
    rating: int | None  # None: not rated
    thresholds: tuple[tuple[str, int], ...]  # (label, threshold), e.g. ("next level", 3)


def _n(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def ladder_svg(rungs: Sequence[Rung], chart_id: str = "ladder",
               title: str = "Maturity ladder") -> str:
    """Levels as steps, lowest at the left; the current level and the target labelled
    (`title`: which ladder, for a pack that rates several dimensions)."""
    step_w, step_h, gap = 150, 34, 8
    width = len(rungs) * (step_w + gap) + 20
    height = len(rungs) * step_h + 70
    current = next((r for r in rungs if r.current), None)
    target = next((r for r in rungs if r.target), None)
    desc = (f"{title} of {len(rungs)} levels: "
            + ", ".join(f"{r.rank} {r.name}" for r in rungs) + ". "
            + (f"Current level: {current.name}. " if current else "")
            + (f"Target: {target.name}." if target else "No target given."))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for index, rung in enumerate(rungs):
        x = 10 + index * (step_w + gap)
        bar = (index + 1) * step_h
        y = height - 40 - bar
        css = "rung attained" if rung.attained else "rung"
        if rung.current:
            css += " current"
        parts.append(f'<rect class="{css}" x="{x}" y="{y}" width="{step_w}" height="{bar}" '
                     'rx="3"/>')
        parts.append(f'<text class="rung-name" x="{x + step_w / 2:.0f}" y="{height - 22}" '
                     f'text-anchor="middle">{rung.rank}. {escape(rung.name)}</text>')
        marks = []
        if rung.current:
            marks.append("\u25b2 current")
        if rung.target:
            marks.append("\u2691 target")
        if rung.attained and not rung.current:
            marks.append("\u2713")
        if marks:
            parts.append(f'<text class="rung-mark" x="{x + step_w / 2:.0f}" y="{y - 6}" '
                         f'text-anchor="middle">{escape(" ".join(marks))}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


_RADAR_WIDTH, _RADAR_HEIGHT = 800, 470


class _Radar(NamedTuple):
    """A radar's geometry: `spokes` from the centre, 0 to `maximum` along each."""

    spokes: int
    maximum: int
    cx: float = _RADAR_WIDTH / 2
    cy: float = 225
    radius: float = 150

    def point(self, index: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / self.spokes
        r = self.radius * value / self.maximum
        return self.cx + r * math.cos(angle), self.cy + r * math.sin(angle)

    def polygon(self, values: Sequence[float]) -> str:
        return " ".join(f"{_n(x)},{_n(y)}" for x, y in
                        (self.point(i, v) for i, v in enumerate(values)))


def radar_svg(axes: Sequence[Axis], maximum: int, chart_id: str = "radar",
              title: str = "Competency radar", subject: str = "Competency ratings") -> str:
    """Ratings on a radar, with one dashed polygon per threshold set (e.g. next level, target).

    Unrated axes are left out of the ratings polygon (the line passes through the centre) and
    labelled "not rated". `title` names the chart and `subject` starts its description (whose
    ratings: a BRM's, in the report's appendix).
    """
    width, height = _RADAR_WIDTH, _RADAR_HEIGHT
    radar = _Radar(len(axes), maximum)
    labels = sorted({label for a in axes for label, _ in a.thresholds})
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(_radar_desc(axes, maximum, subject))}</desc>',
    ]
    for level in range(1, maximum + 1):
        parts.append(f'<polygon class="grid" points="{radar.polygon([level] * radar.spokes)}"/>')
    parts += _radar_spokes(radar, axes)
    for number, label in enumerate(labels):
        values = [dict(a.thresholds).get(label, 0) for a in axes]
        parts.append(f'<polygon class="threshold t{number}" points="{radar.polygon(values)}">'
                     f'<title>{escape(label)} threshold</title></polygon>')
    parts += _radar_ratings(radar, axes)
    legend = ["ratings: solid line"] + [f"{label}: dashed line {n + 1}"
                                        for n, label in enumerate(labels)]
    parts.append(f'<text class="legend" x="10" y="{height - 10}">{escape("; ".join(legend))}'
                 "</text>")
    parts.append("</svg>")
    return "\n".join(parts)


def _radar_desc(axes: Sequence[Axis], maximum: int, subject: str) -> str:
    """The radar in words: each axis's rating and what each threshold set needs of it."""
    return f"{subject} from 0 to {maximum}: " + "; ".join(
        f"{a.name} {a.rating if a.rating is not None else 'not rated'}"
        + "".join(f", {label} needs {value}" for label, value in a.thresholds)
        for a in axes) + "."


def _radar_spokes(radar: _Radar, axes: Sequence[Axis]) -> list[str]:
    """A spoke per axis, labelled with its name and rating (or "not rated")."""
    parts = []
    cx, cy = radar.cx, radar.cy
    for index, axis in enumerate(axes):
        x, y = radar.point(index, radar.maximum)
        parts.append(f'<line class="spoke" x1="{_n(cx)}" y1="{_n(cy)}" x2="{_n(x)}" '
                     f'y2="{_n(y)}"/>')
        lx, ly = radar.point(index, radar.maximum + 0.5)
        ly += 4 if abs(ly - cy) < 20 else (12 if ly > cy else -4)
        anchor = "middle" if abs(lx - cx) < 20 else ("start" if lx > cx else "end")
        note = "" if axis.rating is not None else " (not rated)"
        shown = f"{axis.name}: {axis.rating}" if axis.rating is not None else axis.name
        parts.append(f'<text class="axis" x="{_n(lx)}" y="{_n(ly)}" text-anchor="{anchor}">'
                     f'{escape(shown + note)}</text>')
    return parts


def _radar_ratings(radar: _Radar, axes: Sequence[Axis]) -> list[str]:
    """The ratings polygon (unrated axes at the centre) and a dot per rating; nothing when no
    axis is rated."""
    if not any(a.rating is not None for a in axes):
        return []
    values = [a.rating if a.rating is not None else 0 for a in axes]
    parts = [f'<polygon class="ratings" points="{radar.polygon(values)}">'
             '<title>ratings</title></polygon>']
    for index, axis in enumerate(axes):
        if axis.rating is not None:
            x, y = radar.point(index, axis.rating)
            parts.append(f'<circle class="rating" cx="{_n(x)}" cy="{_n(y)}" r="4"/>')
    return parts

"""A bar chart drawn on the server as SVG: no chart library, no script.

The page's content security policy forbids inline styles, so the chart
carries only geometry; colours come from classes in reports.css. Each bar
has a <title> (a tooltip, and the accessible name), and the page prints
the same numbers in a table for anyone who cannot see the chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 720
HEIGHT = 280
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 36
GROUP_GAP = 0.3  # the share of each group's width left empty between groups


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: str
    title: str


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[Label]
    baseline: float
    left: int
    right: float

    @property
    def tick_x(self) -> int:
        """Where the axis numbers end, just left of the plot."""
        return self.left - 6

    @property
    def label_y(self) -> float:
        """The baseline of the week labels, below the axis."""
        return self.baseline + 18


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 3 or 5 × a power of ten, four times over, at
    or above `value`; so the axis reads 0, 3, 6, 9, 12 rather than 0, 2.25..."""
    if value <= 4:
        return 4
    step = value / 4
    magnitude = 10 ** math.floor(math.log10(step))
    for factor in (1, 2, 3, 5, 10):
        if factor * magnitude >= step:
            return int(factor * magnitude * 4)
    return int(10 * magnitude * 4)


def grouped_bars(
    groups: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[int]]],
) -> BarChart:
    """Lay out one group of bars per label in `groups`.

    `series` holds (key, name, values) with one value per group; the key
    becomes the bar's class suffix, the name goes into each bar's title.
    """
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    top = nice_ceiling(max((max(v, default=0) for _, _, v in series), default=0))
    group_width = plot_width / max(len(groups), 1)
    bar_width = group_width * (1 - GROUP_GAP) / max(len(series), 1)

    bars = []
    for index, group in enumerate(groups):
        start = LEFT + index * group_width + group_width * GROUP_GAP / 2
        for position, (key, name, values) in enumerate(series):
            value = values[index]
            height = plot_height * value / top
            bars.append(
                Bar(
                    x=round(start + position * bar_width, 1),
                    y=round(baseline - height, 1),
                    width=round(bar_width, 1),
                    height=round(height, 1),
                    value=value,
                    series=key,
                    title=f"{name}, {group}: {value}",
                )
            )
    ticks = [
        Tick(round(baseline - plot_height * step / 4, 1), top * step // 4)
        for step in range(5)
    ]
    labels = [
        Label(round(LEFT + (index + 0.5) * group_width, 1), group)
        for index, group in enumerate(groups)
    ]
    return BarChart(WIDTH, HEIGHT, bars, ticks, labels, baseline, LEFT, WIDTH - RIGHT)

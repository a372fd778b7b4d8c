"""The report's plots, drawn by matplotlib into inline SVG (no file, no window, no network).

Why matplotlib: it is the well-kept standard, draws to SVG without a browser or JavaScript (the page
must open from a USB stick and print), and its non-interactive ``svg`` backend needs no display.
Every plot has labelled axes, text large enough for a projector, and colours from the Okabe-Ito
palette, which people with any common colour-vision deficiency tell apart (Okabe & Ito 2008).
Text stays text in the SVG (``svg.fonttype: none``): smaller, sharp at any zoom, searchable.
"""

from __future__ import annotations

import io
import math
import re

import numpy as np

#: Okabe-Ito: orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple, black
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
#: a class larger than this gets box plots without one dot per student (the page stays small)
MAX_DOTS = 300

_STYLE = {
    "font.size": 13, "axes.titlesize": 14, "axes.labelsize": 13, "xtick.labelsize": 12, "ytick.labelsize": 12,
    "axes.spines.top": False, "axes.spines.right": False, "svg.fonttype": "none",
    "axes.prop_cycle": None,  # set below from the palette
}


def _pyplot():
    import matplotlib

    matplotlib.use("svg", force=True)   # no display, no GUI toolkit; never an interactive window
    import matplotlib.pyplot as plt
    from cycler import cycler

    _STYLE["axes.prop_cycle"] = cycler(color=OKABE_ITO)
    return plt


def to_svg(fig, name: str, label: str) -> str:
    """The figure as an ``<svg>`` element to inline: no XML prolog, no fixed size, ids unique to ``name``.

    Several SVGs in one page share one id space: matplotlib derives clip-path ids from a hash salt,
    so each plot gets its own salt (and its metadata no date, so a report rebuilt is the same file).
    """
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"embedlab-report-{name}"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    import matplotlib.pyplot as plt
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1', svg, count=1)
    from markupsafe import escape
    svg = svg.replace("<svg", f'<svg role="img" aria-label="{escape(label)}"', 1)
    return re.sub(r"<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)


def score_histogram(percents: list[float]) -> str:
    """Students per score band of 5 percentage points (the last band includes 100 %)."""
    plt = _pyplot()
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(8, 3.6))
        ax.hist(percents, bins=np.arange(0, 105, 5), color=OKABE_ITO[4], edgecolor="white")
        ax.set_xlim(0, 100)
        ax.set_xlabel("score (% of the points possible)")
        ax.set_ylabel("students")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_title("Scores of the gradable students")
        return to_svg(fig, "scores", "Histogram of the scores")


def module_boxes(modules: list[str], percents: list[np.ndarray]) -> str:
    """One box per exercise module (quartiles, whiskers to 1.5 IQR), with a dot per student in small classes."""
    plt = _pyplot()
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(8, 3.8))
        ax.boxplot(percents, tick_labels=modules, widths=0.5, showfliers=len(percents[0]) > MAX_DOTS if percents else False,
                   medianprops={"color": OKABE_ITO[5], "linewidth": 2.5},
                   boxprops={"color": OKABE_ITO[4]}, whiskerprops={"color": OKABE_ITO[4]},
                   capprops={"color": OKABE_ITO[4]})
        if percents and len(percents[0]) <= MAX_DOTS:
            rng = np.random.default_rng(0)   # the same jitter every time: a rebuilt report is the same page
            for k, values in enumerate(percents, start=1):
                ax.scatter(k + rng.uniform(-0.15, 0.15, len(values)), values, s=22, color=OKABE_ITO[0],
                           edgecolor="black", linewidth=0.4, alpha=0.85, zorder=3)
        ax.set_ylim(-5, 105)
        ax.set_xlabel("exercise module")
        ax.set_ylabel("score (% of the module)")
        ax.set_title("Per module: median (line), quartiles (box), each student (dot)" if percents and
                     len(percents[0]) <= MAX_DOTS else "Per module: median (line), quartiles (box)")
        return to_svg(fig, "modules", "Box plot of the scores per exercise module")


def concept_bars(names: list[str], shares: list[float], limit: int = 40) -> str:
    """The concepts' share of points earned, hardest at the top (at most ``limit`` concepts)."""
    plt = _pyplot()
    names, shares = names[:limit], shares[:limit]
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(8, 0.34 * len(names) + 1.3))
        y = np.arange(len(names))
        values = [100 * s if math.isfinite(s) else 0 for s in shares]
        colours = [OKABE_ITO[5] if v < 50 else OKABE_ITO[0] if v < 80 else OKABE_ITO[2] for v in values]
        ax.barh(y, values, color=colours, height=0.7)
        ax.set_yticks(y, names, fontsize=11)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("share of the concept's points earned by the students who tried (%)")
        ax.set_title("Concepts, hardest first (vermillion < 50 %, orange < 80 %, green ≥ 80 %)", fontsize=12)
        return to_svg(fig, "concepts", "Bar chart of the concepts, hardest first")

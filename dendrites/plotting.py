"""One plotting style for every figure, colours with a fixed meaning, and atomic figure files.

Every study draws with the style file ``dendrites/style/dendrites.mplstyle``: readable font sizes,
no top or right spines, and a colour cycle whose first entries have a fixed meaning across the
package (:data:`COLORS`): the point-neuron control is always the same dark grey, theory is always a
dashed black line.

Helpers for specific studies are named ``plot_*(ds, ax=None) -> Axes`` and draw from a Dataset.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import matplotlib

from .paths import atomic_path

__all__ = [
    "COLORS",
    "LINESTYLES",
    "STYLE_FILE",
    "line_style",
    "panel_label",
    "savefig",
    "use_style",
]

#: What each colour means, in every figure of the package (Okabe & Ito's colour-blind-safe set).
COLORS = {
    "dendrite": "#0072B2",
    "soma": "#D55E00",
    "ampa": "#009E73",
    "nmda": "#CC79A7",
    "point": "#555555",  # the point-neuron control
    "theory": "#000000",  # always dashed: see LINESTYLES
}

#: Line styles that go with :data:`COLORS` (solid unless listed).
LINESTYLES = {"theory": "--"}

#: The package's Matplotlib style file.
STYLE_FILE = importlib.resources.files("dendrites") / "style" / "dendrites.mplstyle"

#: Resolution of the PNG files (the PDF is vector).
PNG_DPI = 150


def use_style(backend: str | None = "agg") -> None:
    """Apply the package's plotting style to Matplotlib's global settings.

    Parameters
    ----------
    backend : str or None
        Matplotlib backend to switch to; ``"agg"`` (default) draws without a display, as the
        studies do. ``None`` keeps the current backend (e.g. inline plots in a notebook).
    """
    import matplotlib.style

    if backend is not None:
        matplotlib.use(backend)
    with importlib.resources.as_file(STYLE_FILE) as path:
        matplotlib.style.use(path)


def line_style(kind: str) -> dict:
    """Keyword arguments ``color`` and ``linestyle`` of a line of the given meaning.

    Examples
    --------
    >>> line_style("theory")
    {'color': '#000000', 'linestyle': '--'}
    >>> ax.plot(t, v_point, label="point neuron", **line_style("point"))  # doctest: +SKIP
    """
    if kind not in COLORS:
        from .errors import ParameterError

        raise ParameterError("kind", f"{kind!r} has no fixed colour; one of {sorted(COLORS)}")
    return {"color": COLORS[kind], "linestyle": LINESTYLES.get(kind, "-")}


def panel_label(ax, label: str):
    """Write a panel's letter (bold) just outside the top-left corner of `ax`; return the Text."""
    return ax.annotate(
        label,
        xy=(0, 1),
        xycoords="axes fraction",
        xytext=(-28, 8),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontweight="bold",
        fontsize=matplotlib.rcParams["axes.titlesize"],
    )


def savefig(fig, path_without_suffix, dpi: int = PNG_DPI) -> tuple[Path, Path]:
    """Write `fig` as ``<path>.png`` (`dpi`) and ``<path>.pdf``, each atomically; return both paths.

    No creation date or software version is written into the files, so redrawing an unchanged
    figure gives the same bytes (no spurious changes to committed figures).
    """
    base = Path(path_without_suffix)
    written = []
    for fmt, metadata in (
        ("png", {"Software": None}),
        ("pdf", {"CreationDate": None, "Producer": None, "Creator": None}),
    ):
        target = base.with_name(base.name + "." + fmt)
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata)
        written.append(target)
    return written[0], written[1]

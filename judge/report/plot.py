"""An inline SVG line plot of a mismatched 1-D check: candidate against reference (interviewer only).

Built from numbers alone (no text from the submission), so it is safe to embed
unescaped; the page needs no script and no fetch.
"""
from __future__ import annotations

W, H, PAD = 320, 120, 6
COLOURS = {"reference": "#2a7d2a", "candidate": "#c0392b"}


def _points(values: list, lo: float, hi: float, n: int) -> list[str]:
    span = (hi - lo) or 1.0
    out = []
    for i, v in enumerate(values):
        if v is None:
            continue
        x = PAD + (W - 2 * PAD) * (i / max(n - 1, 1))
        y = H - PAD - (H - 2 * PAD) * ((v - lo) / span)
        out.append(f"{x:.1f},{y:.1f}")
    return out


def series_svg(check: dict) -> str:
    """An SVG element, or '' when the check holds no series."""
    s = check.get("series") or {}
    ref, cand = s.get("reference"), s.get("candidate")
    if not ref or not cand:
        return ""
    finite = [float(v) for v in (*ref, *cand) if isinstance(v, (int, float))]
    if not finite:
        return ""
    lo, hi, n = min(finite), max(finite), max(len(ref), len(cand))
    lines = []
    for name, values in (("reference", ref), ("candidate", cand)):
        pts = _points(values, lo, hi, n)
        dash = ' stroke-dasharray="4 3"' if name == "candidate" else ""
        lines.append(f'<polyline class="series-{name}" fill="none" stroke="{COLOURS[name]}" stroke-width="1.5"'
                     f'{dash} points="{" ".join(pts)}"/>')
    return (f'<svg class="series" role="img" viewBox="0 0 {W} {H}" width="100%" style="max-width:{W}px"'
            f' xmlns="http://www.w3.org/2000/svg"><title>candidate (red, dashed) vs reference'
            f' (green), {n} values, range {lo:.3g} to {hi:.3g}</title>'
            f'<rect x="0" y="0" width="{W}" height="{H}" fill="#fafafa" stroke="#ddd"/>{"".join(lines)}</svg>'
            f'<br><span class="muted">green: reference, red dashed: candidate ({n} values, {lo:.3g} … {hi:.3g})</span>')

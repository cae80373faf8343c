"""The one home for how verdicts look on the page: badges and the verdict table.

Every verdict table in the book comes from :func:`verdict_table` (styled HTML that wraps on a phone and prints
well; CSS in ``book/assets/unwind.css``) with a stable text twin, :func:`verdict_text`, for nbval to check.
Every badge carries ``data-hyp`` (the registry id) and ``data-verdict`` (the word), so a test can check that one
id shows one word across the whole built book.
"""

from __future__ import annotations

import html
import math

import pandas as pd
from IPython.display import HTML

SLUG = {
    "supported": "yes",
    "partly supported": "partly",
    "not supported": "no",
    "contradicted": "contra",
    "cannot be checked with this data": "cannot",
}
MARK = {
    "supported": "✓",
    "partly supported": "◐",
    "not supported": "✗",
    "contradicted": "✗✗",
    "cannot be checked with this data": "?",
}


def _num(x: float, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x):
        return "–"
    ax = abs(float(x))
    if ax != 0 and (ax < 10**-digits or ax >= 1e6):
        return f"{x:.{digits}g}".replace("-", "−")
    return f"{x:,.{digits}f}".replace("-", "−")


def _p(x: float) -> str:
    if x is None or pd.isna(x):
        return "–"
    return "< 0.001" if x < 0.001 else f"{x:.3f}"


def ci_text(lo: float, hi: float, digits: int = 2) -> str:
    """An interval as one readable cell, "−16.30 to 14.00" ("–" when a bound is missing)."""
    if pd.isna(lo) or pd.isna(hi):
        return "–"
    return f"{lo:,.{digits}f} to {hi:,.{digits}f}".replace("-", "−")


def with_ci(
    df: pd.DataFrame, digits: int = 2, lo: str = "ci_low", hi: str = "ci_high", name: str = "ci"
) -> pd.DataFrame:
    """``df`` with its two interval columns replaced by one :func:`ci_text` column ``name`` in their place, so a
    table fits a phone."""
    out = df.drop(columns=[lo, hi])
    text = [ci_text(a, b, digits) for a, b in zip(df[lo], df[hi], strict=True)]
    out.insert(list(df.columns).index(lo), name, text)
    return out


def badge(row: pd.Series | dict) -> str:
    """One verdict badge: mark + words (never colour alone), the id and the word as data attributes; a ‡ when
    the rule was written or changed after a first look at the estimate (the registry's ``written: after``)."""
    word, lab = row["verdict"], row["label"]
    after = (
        '<sup class="written-after" title="rule written or changed after a first look at the estimate">‡</sup>'
        if row.get("written") == "after"
        else ""
    )
    return (
        f'<span class="verdict verdict-{SLUG[word]}" data-hyp="{html.escape(str(row["id"]))}" '
        f'data-verdict="{html.escape(word)}"><span aria-hidden="true">{MARK[word]}</span> '
        f"{html.escape(lab)}{after}</span>"
    )


def interval_text(row: pd.Series | dict) -> str:
    if row["interval"] == "none":
        return "–"
    kind = "" if row["interval"] == "95% CI" else f' <span class="ikind">({html.escape(row["interval"])})</span>'
    return f"{_num(row['low'])} to {_num(row['high'])}{kind}"


def verdict_table(table: pd.DataFrame, ids: list[str] | None = None, *, caption: str = "") -> HTML:
    """The verdict table for ``ids`` (default: every row), as styled HTML."""
    t = table if ids is None else table.loc[ids]
    head = ["", "Hypothesis", "Estimate", "Interval", "p", "p (BH, book)", "n", "Verdict"]
    rows = []
    for _, r in t.iterrows():
        cells = [
            ("id", f'<span id="{_anchor(r["id"])}">{html.escape(str(r["id"]))}</span>'),
            ("Hypothesis", html.escape(r["statement"]) + (f'<div class="vreason">{html.escape(r["reason"])}</div>')),
            ("Estimate", f'{_num(r["estimate"])} <span class="unit">{html.escape(str(r["unit"]))}</span>'),
            ("Interval", interval_text(r)),
            ("p", _p(r["p"])),
            (
                "p (BH, book)",
                _p(r["p_bh"])
                if r["family"] == "substantive"
                else '<span class="nofam" title="descriptive: not in the multiple-testing family">not in family</span>',
            ),
            ("n", "–" if pd.isna(r["n"]) else f"{int(r['n']):,}"),
            ("Verdict", badge(r)),
        ]
        rows.append("<tr>" + "".join(f'<td data-label="{h}">{c}</td>' for h, c in cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    thead = "<thead><tr>" + "".join(f'<th scope="col">{h}</th>' for h in head) + "</tr></thead>"
    return HTML(
        f'<div class="verdict-table-wrap"><table class="verdict-table">{cap}{thead}<tbody>'
        + "".join(rows)
        + "</tbody></table></div>"
    )


def _anchor(hid: str) -> str:
    return "v-" + hid.lower().replace(".", "-")


def verdict_text(table: pd.DataFrame, ids: list[str] | None = None) -> str:
    """A stable plain-text twin of :func:`verdict_table` for nbval (rounded; hidden from the page)."""
    t = table if ids is None else table.loc[ids]
    cols = ["id", "estimate", "low", "high", "p", "p_bh", "n", "label"]
    out = t[cols].copy()
    for c in ("estimate", "low", "high"):
        out[c] = out[c].astype(float).round(3)
    for c in ("p", "p_bh"):
        out[c] = out[c].astype(float).round(4)
    return out.to_string(index=False)


def board(table: pd.DataFrame, ids: list[str], *, links: dict[str, str] | None = None) -> HTML:
    """A compact verdict board (intro): statement and badge per id, optional link per id."""
    links = links or {}
    items = []
    for i in ids:
        r = table.loc[i]
        name = html.escape(r["statement"])
        if i in links:
            name = f'<a href="{html.escape(links[i])}">{name}</a>'
        items.append(f'<tr><th scope="row">{html.escape(i)}</th><td>{name}</td><td>{badge(r)}</td></tr>')
    return HTML(
        '<div class="verdict-table-wrap"><table class="verdict-board"><tbody>'
        + "".join(items)
        + "</tbody></table></div>"
    )


def brief(table: pd.DataFrame, ids: list[str], *, title: str = "Verdict in brief") -> HTML:
    """The box at the top of a chapter: one line per id with its badge and the reason the rule gives."""
    items = "".join(
        f"<li>{badge(table.loc[i])} <strong>{html.escape(i)}</strong> "
        f"{html.escape(table.loc[i, 'statement'])} "
        f'<span class="vreason">— {html.escape(table.loc[i, "reason"])}</span></li>'
        for i in ids
    )
    return HTML(
        f'<div class="verdict-brief"><p class="verdict-brief-title">{html.escape(title)}</p><ul>{items}</ul></div>'
    )


def story_board(table: pd.DataFrame, rows: list[tuple[str, str | None, str | None, str]]) -> HTML:
    """The intro's board of the causal stories: story, verdict on the data the article had (in sample), and the
    verdict of the same registered rule on the year after it (out of sample).  ``rows``: (story, in-sample id or
    None for a forecast, out-of-sample id or None, link)."""
    body = []

    def cell(hid: str | None, empty: str) -> str:
        if hid is None:
            return f'<span class="vreason">{html.escape(empty)}</span>'
        return f'{badge(table.loc[hid])} <span class="vreason">{html.escape(hid)}</span>'

    for story, ins, oos, link in rows:
        left = cell(ins, "a forecast: it can only be judged on what came after")
        right = cell(oos, "no out-of-sample test registered")
        body.append(
            f'<tr><th scope="row"><a href="{html.escape(link)}">{html.escape(story)}</a></th>'
            f'<td data-label="To the article">{left}</td>'
            f'<td data-label="The year after">{right}</td></tr>'
        )
    head = (
        '<thead><tr><th scope="col">Story</th><th scope="col">On the data the article had</th>'
        '<th scope="col">On the year after (same rule)</th></tr></thead>'
    )
    return HTML(
        '<div class="verdict-table-wrap"><table class="verdict-table story-board">'
        + head
        + "<tbody>"
        + "".join(body)
        + "</tbody></table></div>"
    )


def frame(
    df: pd.DataFrame,
    *,
    columns: dict[str, str] | None = None,
    digits: int | dict[str, int] = 2,
    index: bool = True,
    caption: str = "",
):
    """Any table for people: columns renamed to readable names with units (``columns`` old -> new; columns not
    named keep their name), numbers rounded (``digits`` for all, or per new column name), thousands separated,
    booleans as ✓ / ✗, missing values as "–", dates as YYYY-MM-DD.  Returns a pandas Styler (HTML in the book)."""
    out = df.copy()
    if columns:
        out = out.rename(columns=columns)
    fmt = {}
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_bool_dtype(s) or (
            s.dtype == object and s.dropna().map(type).eq(bool).all() and s.notna().any()
        ):
            out[c] = s.map(lambda v: "–" if pd.isna(v) else ("✓" if v else "✗"))
        elif pd.api.types.is_datetime64_any_dtype(s):
            out[c] = s.dt.strftime("%Y-%m-%d").fillna("–")
        elif pd.api.types.is_integer_dtype(s):
            fmt[c] = "{:,}"
        elif pd.api.types.is_float_dtype(s):
            d = digits.get(c, 2) if isinstance(digits, dict) else digits
            fmt[c] = f"{{:,.{d}f}}"
    if isinstance(out.index, pd.DatetimeIndex):
        out.index = out.index.strftime("%Y-%m-%d")
    sty = out.style.format(fmt, na_rep="–")
    if not index:
        sty = sty.hide(axis="index")
    if caption:
        sty = sty.set_caption(caption)
    return sty

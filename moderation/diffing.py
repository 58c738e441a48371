"""A readable line diff between two guideline versions (difflib), with changed words marked.

The result is plain data (text segments tagged as kept, added or removed); templates render it
with autoescaping, so nothing in a guideline body can become markup here.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

CONTEXT_LINES = 2
_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool = False


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed"
    old_number: int | None
    new_number: int | None
    segments: list[Segment] = field(default_factory=list)


@dataclass(frozen=True)
class Hunk:
    lines: list[DiffLine]


def _word_segments(old: str, new: str) -> tuple[list[Segment], list[Segment]]:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    left: list[Segment] = []
    right: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            left.append(Segment("".join(a[i1:i2])))
            right.append(Segment("".join(b[j1:j2])))
            continue
        if i2 > i1:
            left.append(Segment("".join(a[i1:i2]), changed=True))
        if j2 > j1:
            right.append(Segment("".join(b[j1:j2]), changed=True))
    return left, right


def diff_texts(old: str, new: str, *, context: int = CONTEXT_LINES) -> list[Hunk]:
    """Hunks of changed lines with `context` unchanged lines around them; [] when equal.

    A replaced block of the same length pairs its lines and marks the words that changed.
    """
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    hunks: list[Hunk] = []
    for group in matcher.get_grouped_opcodes(context):
        lines: list[DiffLine] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(
                    DiffLine("same", i1 + k + 1, j1 + k + 1, [Segment(a[i1 + k])]) for k in range(i2 - i1)
                )
                continue
            if tag == "replace" and i2 - i1 == j2 - j1:
                removed, added = [], []
                for k in range(i2 - i1):
                    left, right = _word_segments(a[i1 + k], b[j1 + k])
                    removed.append(DiffLine("removed", i1 + k + 1, None, left))
                    added.append(DiffLine("added", None, j1 + k + 1, right))
                lines.extend(removed + added)
                continue
            lines.extend(
                DiffLine("removed", i1 + k + 1, None, [Segment(a[i1 + k], changed=True)])
                for k in range(i2 - i1)
            )
            lines.extend(
                DiffLine("added", None, j1 + k + 1, [Segment(b[j1 + k], changed=True)])
                for k in range(j2 - j1)
            )
        hunks.append(Hunk(lines))
    return hunks


def diff_stats(hunks: list[Hunk]) -> dict[str, int]:
    added = sum(1 for h in hunks for line in h.lines if line.kind == "added")
    removed = sum(1 for h in hunks for line in h.lines if line.kind == "removed")
    return {"added": added, "removed": removed}

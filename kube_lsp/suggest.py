"""Did-you-mean: rank candidate names by how likely a typo of them the given word is."""

from __future__ import annotations

from collections.abc import Iterable


def typo_distance(a: str, b: str) -> float:
    """Optimal-string-alignment distance, with case slips costing less than other edits.

    `imagePullpolicy` → `imagePullPolicy` costs 0.25; a transposition (`contianers`) 1; a dropped or
    doubled letter 1.
    """
    if a == b:
        return 0.0
    if a.lower() == b.lower():
        return 0.25 * sum(1 for x, y in zip(a, b, strict=True) if x != y)
    la, lb = len(a), len(b)
    if abs(la - lb) > 3:
        return float(abs(la - lb))
    prev2: list[float] = []
    prev = [float(j) for j in range(lb + 1)]
    for i in range(1, la + 1):
        cur = [float(i)] + [0.0] * lb
        ca = a[i - 1]
        for j in range(1, lb + 1):
            cb = b[j - 1]
            sub = 0.0 if ca == cb else (0.25 if ca.lower() == cb.lower() else 1.0)
            best = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + sub)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, prev2[j - 2] + 1)
            cur[j] = best
        prev2, prev = prev, cur
    return prev[lb]


def max_distance(word: str) -> float:
    """How far a typo may be from its intended word: 1 edit for short words, 2 for long ones."""
    n = len(word)
    if n <= 2:
        return 0.5
    if n <= 8:
        return 1.0
    return 2.0


def suggest(word: str, candidates: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
    """Candidates close enough to be the intended spelling of `word`, best first."""
    banned = set(exclude)
    scored = []
    limit = max_distance(word)
    for cand in candidates:
        if cand in banned or cand == word:
            continue
        d = typo_distance(word, cand)
        if d <= min(limit, max_distance(cand)) or (d <= 0.5 * len(word) and word.lower() == cand.lower()):
            scored.append((d, abs(len(cand) - len(word)), cand))
    scored.sort()
    return [c for _, _, c in scored]


def suggest_name(word: str, candidates: Iterable[str]) -> list[str]:
    """Like `suggest`, and when no candidate is a typo away, the candidates that `word` abbreviates
    (`deprecated-api` → `deprecated-api-version`, `warn` → `warning`), best first."""
    pool = list(candidates)
    close = suggest(word, pool)
    if close or len(word) < 3:
        return close
    low = word.lower()
    longer = sorted((c for c in pool if c.lower().startswith(low) and c.lower() != low), key=lambda c: (len(c), c))
    return longer


def did_you_mean(word: str, candidates: Iterable[str], *, abbreviations: bool = False, ties: bool = False,
                 brackets: bool = False) -> str:
    """What a message about an unknown `word` appends: `` — did you mean `x`?``, or nothing when no candidate
    is close.

    `abbreviations`: also the candidates that `word` abbreviates (`suggest_name`); `ties`: up to three
    candidates as close as the best (`` `x` or `y` ``); `brackets`: `` (did you mean `x`?)``."""
    close = suggest_name(word, candidates) if abbreviations else suggest(word, candidates)
    if not close:
        return ""
    shown = close[:1]
    if ties:
        best = typo_distance(word, close[0])
        shown = [c for c in close if typo_distance(word, c) == best][:3]
    question = f"did you mean {' or '.join(f'`{c}`' for c in shown)}?"
    return f" ({question})" if brackets else f" — {question}"

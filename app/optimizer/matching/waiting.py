"""Why a resident stays waiting, in one sentence a coordinator can act on.

The hard rules are applied one after another in :data:`~app.optimizer.matching.scoring.RULES`
order, counting the befrienders still in the running; the first rule that leaves nobody is the
reason ("No befriender who lives within 5 km and speaks Polish."). A rule is named in the sentence
only when it removed someone, so the sentence says what actually bit. When befrienders passed
every rule, the assignment gave them to other residents (``taken``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from app.optimizer.matching.scoring import RULES
from app.optimizer.matching.scoring import Pool
from app.optimizer.matching.scoring import iter_blocks
from app.optimizer.matching.scoring import join_words
from app.optimizer.matching.scoring import language_label
from app.optimizer.matching.types import SCORE_SCALE
from app.optimizer.matching.types import Waiting
from app.optimizer.matching.types import WaitingCode

I64 = npt.NDArray[np.int64]

_CODES: dict[str, WaitingCode] = {
    "reach": WaitingCode.OUT_OF_REACH,
    "language": WaitingCode.LANGUAGE,
    "gender": WaitingCode.GENDER,
    "availability": WaitingCode.AVAILABILITY,
    "dbs": WaitingCode.DBS,
    "capacity": WaitingCode.FULL,
    "blocked": WaitingCode.BLOCKED,
    "score": WaitingCode.LOW_SCORE,
}

# Rules that read as a relative clause ("who speaks Polish"); gender is an adjective instead.
_CLAUSE_RULES = ("reach", "language", "availability", "dbs")


def explain_waiting(pool: Pool, rows: I64, *, algorithm: str) -> list[Waiting]:
    """Return a :class:`Waiting` for each resident index in ``rows`` (none got a proposal).

    Parameters
    ----------
    pool
        The run's arrays.
    rows
        Residents left without a proposal.
    algorithm
        ``"optimal"`` or ``"greedy"``, for the wording of ``taken``.

    Returns
    -------
    list[Waiting]
        In the order of ``rows``.
    """
    if pool.n_befrienders == 0:
        return [
            Waiting(
                resident_id=pool.residents[int(r)].id,
                code=WaitingCode.NO_BEFRIENDERS,
                reason="There are no befrienders to match with.",
            )
            for r in rows
        ]
    out: list[Waiting] = []
    for block in iter_blocks(pool, rows):
        alive = np.ones_like(block.visit)
        best_before_score = np.full(len(block.rows), -1, dtype=np.int64)
        counts = []
        for rule in RULES:
            if rule == "score":
                best_before_score = np.where(alive, block.score_int, -1).max(axis=1)
            alive &= block.rules[rule]
            counts.append(alive.sum(axis=1))
        count = np.stack(counts, axis=1)
        best = np.where(alive, block.score_int, -1).max(axis=1)
        for k, r in enumerate(block.rows.tolist()):
            out.append(
                _one(pool, r, count[k].tolist(), int(best[k]), int(best_before_score[k]), algorithm)
            )
    return out


def _one(
    pool: Pool, r: int, counts: list[int], best: int, best_before_score: int, algorithm: str
) -> Waiting:
    rid = pool.residents[r].id
    zero = next((i for i, c in enumerate(counts) if c == 0), None)
    if zero is None:
        n = counts[-1]
        score = f"{best / SCORE_SCALE:.2f}"
        how = (
            "in the best overall match"
            if algorithm == "optimal"
            else "when the best-scoring pairs were taken first"
        )
        if n == 1:
            text = f"The only suitable befriender went to another resident {how} (score {score})."
        else:
            text = (
                f"All {n} suitable befrienders went to other residents {how} "
                f"(best score here {score})."
            )
        return Waiting(rid, WaitingCode.TAKEN, text, candidates=n, best_score=best / SCORE_SCALE)
    rule = RULES[zero]
    # Name a rule only when it removed someone (or is the one that left nobody).
    removed = {
        RULES[i]
        for i in range(len(RULES))
        if i <= zero and (counts[i] < (counts[i - 1] if i else pool.n_befrienders))
    }
    removed.add("reach")
    clauses = _clauses(pool, r)
    adjective = pool.residents[r].gender_preference if "gender" in removed else None
    used = [clauses[c] for c in _CLAUSE_RULES if c in removed and c in clauses]

    def noun(plural: bool) -> str:
        word = "befrienders" if plural else "befriender"
        head = f"{adjective} {word}" if adjective else word
        if not used:
            return head
        return f"{head} who {join_words([c[1 if plural else 0] for c in used], limit=9)}"

    before = counts[zero - 1] if zero else pool.n_befrienders
    if rule in ("reach", "language", "gender", "availability", "dbs"):
        text = f"No {noun(False)}."
        if rule == "reach" and pool.residents[r].location is None:
            text = f"No {noun(False)} (the resident has no address on file)."
    elif rule == "capacity":
        text = (
            f"The only {noun(False)} is full."
            if before == 1
            else f"All {before} {noun(True)} are full."
        )
    elif rule == "blocked":
        text = (
            f"The only {noun(False)} with a free place was declined for this resident before."
            if before == 1
            else f"All {before} {noun(True)} with a free place were declined for this resident "
            "before."
        )
    else:
        text = (
            f"No {noun(False)} with a free place reaches the minimum score of "
            f"{pool.params.min_score:.2f} (the best of {before} scores "
            f"{best_before_score / SCORE_SCALE:.2f})."
        )
    return Waiting(rid, _CODES[rule], text)


def _clauses(pool: Pool, r: int) -> dict[str, tuple[str, str]]:
    """Return each rule's relative clause for resident ``r``, singular and plural."""
    res, p = pool.residents[r], pool.params
    km = f"{p.max_distance_km:g} km"
    if bool(np.any(pool.b_max_km < p.max_distance_km)):
        # Some befrienders set a shorter limit of their own: "within 5 km" would mislead.
        km = f"{km} (or their own shorter limit)"
    if p.max_travel_min is not None and pool.travel_s is not None:
        km = f"{km} and {p.max_travel_min:g} min by road"
    if res.location is None:
        reach = ("befriends by phone", "befriend by phone")
    elif res.by_phone:
        reach = (
            f"lives within {km} or befriends by phone",
            f"live within {km} or befriend by phone",
        )
    else:
        reach = (f"lives within {km}", f"live within {km}")
    out = {
        "reach": reach,
        "availability": (
            f"shares at least {p.min_overlap_min} min a week of free time",
            f"share at least {p.min_overlap_min} min a week of free time",
        ),
        "dbs": ("has a valid DBS check", "have a valid DBS check"),
    }
    if res.needs_language:
        langs = join_words([language_label(x) for x in sorted(res.languages)], conjunction="or")
        out["language"] = (f"speaks {langs}", f"speak {langs}")
    return out

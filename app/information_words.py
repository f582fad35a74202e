"""Value of information in plain words: which inputs are worth learning before committing, and
what each is worth (docs/formulas.md 3.9). The window, the memo, the deck and ``aiplan calc``
say the same sentences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.formatting import money
from app.labels import field_label
from models.engine import OpportunityResult, PlanResults
from models.information import Worth
from models.plan import Plan
from models.validation import input_names

Key = tuple[str, str, str]
#: Inputs worth less than this share of the EVPI are not worth a sentence of their own.
MINOR_SHARE = 0.02


@dataclass(frozen=True)
class Learnable:
    """One input worth learning: who it belongs to, what it is called, what it is worth."""

    key: Key
    words: str  # "adoption target", "whether the launch succeeds", "escalation rate of Support copilot"
    evppi: float
    clear: bool  # above the noise floor: a value told apart from nothing


def input_words(key: Key, plan: Plan, names: dict[tuple[str, str], str] | None = None,
                owner: str | None = None) -> str:
    """An input named as a PM reads it; ``owner`` (an opportunity's id) leaves its own name out."""
    names = names if names is not None else input_names(plan)
    if key[2] == "launch_success":
        if key[1] == owner:
            return "whether the launch succeeds"
        return f"whether the launch of {names.get(('opportunity', key[1]), key[1])} succeeds"
    label = field_label(key[2])
    label = label[:1].lower() + label[1:]
    if key[0] == "opportunity" and key[1] == owner:
        return label
    return f"{label} of {names.get((key[0], key[1]), key[1])}"


def learnable(worths: Sequence[Worth[Key]], evpi: float | None, floor: float, plan: Plan,
              owner: str | None = None) -> list[Learnable]:
    """The inputs in order of worth, each with its words; only those worth a mention (at least
    a small share of the EVPI)."""
    if not evpi:
        return []
    names = input_names(plan)
    return [Learnable(w.key, input_words(w.key, plan, names, owner), w.evppi, w.evppi > floor)
            for w in worths if w.evppi >= MINOR_SHARE * evpi]


def opportunity_learnable(result: OpportunityResult, plan: Plan) -> list[Learnable]:
    return learnable(result.evppi, result.evpi, result.evppi_floor, plan, owner=result.id)


def plan_learnable(results: PlanResults) -> list[Learnable]:
    p = results.portfolio
    return learnable(p.evppi, p.evpi, p.evppi_floor, results.plan)


def learn_next_sentences(result: OpportunityResult, plan: Plan, currency: str, top: int = 3) -> list[str]:
    """"Knowing adoption target before committing is worth up to $180k; the build cost, $4k."""
    return _sentences(opportunity_learnable(result, plan), result.evpi, currency, top)


def plan_sentences(results: PlanResults, top: int = 3) -> list[str]:
    """The same for the whole plan, each opportunity decided on its own."""
    return _sentences(plan_learnable(results), results.portfolio.evpi, results.plan.settings.currency, top)


def evpi_sentence(evpi: float | None, currency: str) -> str:
    if evpi is None:
        return "Run the simulation to see what is worth learning."
    if evpi == 0:
        return "Nothing is worth learning first: no simulated outcome would change the decision."
    return f"Learning everything before committing is worth up to {money(evpi, currency, short=True)}."


def _sentences(items: list[Learnable], evpi: float | None, currency: str, top: int) -> list[str]:
    out = [evpi_sentence(evpi, currency)]
    clear = [item for item in items if item.clear][:top]
    if not clear:
        if evpi:
            out.append("No single input stands out: each is worth little on its own.")
        return out
    first, *rest = clear
    sentence = (f"Knowing {first.words} before committing is worth up to "
                f"{money(first.evppi, currency, short=True)}")
    if rest:
        sentence += "; " + "; ".join(f"{item.words}, {money(item.evppi, currency, short=True)}"
                                     for item in rest)
    out.append(sentence + ".")
    return out

"""Build / partner / buy decisions (docs/formulas.md 3.2): TCO, weighted scores, the winner, robustness."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from models.plan import Criterion, Decision, Option, Plan
from models.problems import PlanInvalid, Problem

CRITERION_KINDS = ("score", "value", "tco")
#: A decision is robust when no single criterion's share has to move this far or less to change the winner.
ROBUST_MARGIN = 0.10
#: Scores (0..100 points) closer than this are a tie, decided by the tie rule: it absorbs float noise
#: (0.1 + 0.2 against 0.3), so a tie that holds on paper is a tie here.
TIE = 1e-9  # also the tolerance on shares and on rates of gain


@dataclass(frozen=True)
class Flip:
    """Where one criterion's share of the total weight changes the winner; None when it never does."""

    criterion: str  # criterion id
    share_now: float
    share_flip: float | None
    new_winner: str | None  # option id: the first entered of ``overtakers``
    #: Every option that leads once the share passes share_flip, in entry order (several when
    #: they overtake together, tied with each other); empty when nothing flips.
    overtakers: tuple[str, ...] = ()


@dataclass(frozen=True)
class DecisionResult:
    """Every result of docs/formulas.md 3.2 for one decision, on base values; ids as keys, in entry order."""

    decision_id: str
    annual_volume: float
    tco: dict[str, float]  # option id -> tco
    normalised: dict[str, dict[str, float]]  # option id -> criterion id -> n(o, c)
    scores: dict[str, float]  # option id -> score (0..100)
    winner: str  # option id
    flips: tuple[Flip, ...]  # one per criterion, in criterion order
    robust: bool
    #: The options sharing the top score (within TIE), in entry order; empty when one leads.
    #: ``winner`` is then the first of them, the one the plan uses until the PM chooses.
    tied: tuple[str, ...] = ()


def annual_volume(decision: Decision, plan: Plan) -> float:
    """Tasks a year: full-adoption volume of the opportunities linking the decision, else its own."""
    linked = [o for o in plan.opportunities if o.decision_id == decision.id]
    if not linked:
        return decision.annual_volume.base
    return sum(12 * o.eligible_users.base * o.adoption_target.base * o.tasks_per_user_month.base
               for o in linked)


def tco(option: Option, annual_volume: float, horizon_years: float) -> float:
    """Total cost of ownership over the horizon: upfront + years * (annual + per task * volume)."""
    return option.upfront_cost.base + horizon_years * (
        option.annual_cost.base + option.cost_per_task.base * annual_volume
    )


def _normalised(decision: Decision, tcos: Sequence[float]) -> list[list[float]]:
    """n[c][o] for every criterion c and option o, in entry order."""
    table: list[list[float]] = []
    for c in decision.criteria:
        if c.kind == "score":
            table.append([(o.scores[c.id].base - 1) / 4 for o in decision.options])
            continue
        raw = list(tcos) if c.kind == "tco" else [o.scores[c.id].base for o in decision.options]
        lo, hi = min(raw), max(raw)
        if lo == hi:
            table.append([1.0] * len(raw))
        elif c.higher_is_better and c.kind != "tco":
            table.append([(v - lo) / (hi - lo) for v in raw])
        else:
            table.append([(hi - v) / (hi - lo) for v in raw])
    return table


def _leaders(points: Sequence[float], then: Sequence[float] | None = None) -> list[int]:
    """The options with the most points (within TIE), in entry order.

    ``then`` narrows the leaders down to those ahead once the share moves on from a meeting point
    (the rates at which their points grow).
    """
    leaders = [i for i, p in enumerate(points) if p >= max(points) - TIE]
    if then is not None:
        fastest = max(then[i] for i in leaders)
        leaders = [i for i in leaders if then[i] >= fastest - TIE]
    return leaders


def _flip(
    weights: Sequence[float], table: Sequence[Sequence[float]], scores: Sequence[float], c: int,
    winner: int,
) -> tuple[float, float | None, list[int]]:
    """Share now, nearest flip share and the indexes of the options that overtake, for ``c``.

    With c's share s and the other weights kept in proportion, option o scores
    f_o(s) = 100 * (s * n_oc + (1 - s) * R_o), R_o being the weighted mean of o's other n: a line.
    Walking away from today's share in either direction, option o gains on the winner at the
    constant rate slope_o - slope_w, so it meets the winner once that closes today's gap. It
    overtakes at the meeting point itself when entered earlier (ties go to it), just past it
    otherwise; so a later option meeting the winner exactly at 0% or 100% never overtakes.
    """
    total = sum(weights)
    share_now = weights[c] / total
    others = [d for d in range(len(weights)) if d != c and weights[d] > 0]
    rest = sum(weights[d] for d in others)
    if rest <= 0:  # c is the only weighted criterion: no proportion to keep, nothing can flip
        return share_now, None, []
    here = table[c]
    options = range(len(here))
    mean_rest = [sum(weights[d] * table[d][o] for d in others) / rest for o in options]
    slope = [100 * (here[o] - mean_rest[o]) for o in options]  # points per unit of share

    best: tuple[float, float, list[int]] | None = None  # (distance, share, options that overtake)
    for direction, room in ((1, 1 - share_now), (-1, share_now)):
        if room <= 0:
            continue
        meetings = [
            (scores[winner] - scores[o]) / gain
            for o in options
            if o != winner and (gain := direction * (slope[o] - slope[winner])) > TIE
        ]
        reachable = [max(d, 0.0) for d in meetings if d <= room + TIE]
        if not reachable:
            continue
        distance = min(reachable)
        if distance >= room - TIE:  # meets it at 0% or 100% (shares closer than TIE are one share)
            distance = room
        if best is not None and distance >= best[0]:
            continue
        at = [scores[o] + direction * distance * slope[o] for o in options]
        leaders = _leaders(at)
        if leaders[0] == winner and distance < room - TIE:  # a later option meets it: who leads just past
            leaders = _leaders(at, [direction * g for g in slope])
        if leaders[0] != winner:
            share = (1.0 if direction > 0 else 0.0) if distance == room else share_now + direction * distance
            best = (distance, share, [o for o in leaders if o != winner])
    if best is None:
        return share_now, None, []
    return share_now, best[1], best[2]


def evaluate_decision(decision: Decision, plan: Plan) -> DecisionResult:
    """TCO, normalised values, scores, winner and flip analysis; PlanInvalid on any problem."""
    problems = decision_problems(decision)
    if problems:
        raise PlanInvalid(problems)
    volume = annual_volume(decision, plan)
    tcos = [tco(o, volume, plan.settings.horizon_years) for o in decision.options]
    table = _normalised(decision, tcos)
    weights = [c.weight.base for c in decision.criteria]
    total = sum(weights)
    scores = [
        100 * sum(w * n[o] for w, n in zip(weights, table, strict=True) if w > 0) / total
        for o in range(len(decision.options))
    ]
    top = _leaders(scores)
    winner = top[0]
    flips: list[Flip] = []
    for c, criterion in enumerate(decision.criteria):
        share_now, share_flip, new = _flip(weights, table, scores, c, winner)
        overtakers = tuple(decision.options[o].id for o in new)
        flips.append(Flip(criterion.id, share_now, share_flip, overtakers[0] if overtakers else None,
                          overtakers))
    return DecisionResult(
        decision_id=decision.id,
        annual_volume=volume,
        tco={o.id: t for o, t in zip(decision.options, tcos, strict=True)},
        normalised={
            o.id: {c.id: table[j][i] for j, c in enumerate(decision.criteria)}
            for i, o in enumerate(decision.options)
        },
        scores={o.id: s for o, s in zip(decision.options, scores, strict=True)},
        winner=decision.options[winner].id,
        flips=tuple(flips),
        robust=not any(
            f.share_flip is not None and abs(f.share_flip - f.share_now) <= ROBUST_MARGIN + TIE
            for f in flips
        ),
        tied=tuple(decision.options[o].id for o in top) if len(top) > 1 else (),
    )


def chosen_option(decision: Decision, result: DecisionResult) -> Option:
    """The option the PM chose, else the winner."""
    by_id = {o.id: o for o in decision.options}
    chosen = by_id.get(decision.chosen_option_id or "")
    return chosen if chosen is not None else by_id[result.winner]


def _name(item: Option | Criterion) -> str:
    return item.name or item.id


def _percent(share: float, places: int) -> str:
    # Round half up on the share as typed, not on its binary tail (0.285 shows as 29%).
    exact = Decimal(repr(round(share * 100, 9)))
    return f"{exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"


def names_and(names: Sequence[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def score_headline(decision: Decision, result: DecisionResult) -> str:
    """The top of the scores in words: "Build and Partner tie at 75.0 of 100" on a tie, else
    "Highest score: Build (75.0 of 100)"."""
    options = {o.id: o for o in decision.options}
    top = result.scores[result.winner]
    if result.tied:
        return f"{names_and([_name(options[o]) for o in result.tied])} tie at {top:.1f} of 100"
    return f"Highest score: {_name(options[result.winner])} ({top:.1f} of 100)"


def tie_sentence(decision: Decision, result: DecisionResult) -> str:
    """Which way each weight breaks a tie, e.g. "Any change in the weights breaks the tie: more weight
    on Cost favours Partner; more weight on Speed favours Build."; "" when one option leads."""
    if not result.tied:
        return ""
    options = {o.id: o for o in decision.options}
    ways = []
    for criterion, flip in zip(decision.criteria, result.flips, strict=True):
        if flip.share_now >= 1 - TIE:  # the only weighted criterion: its share cannot rise
            continue
        # At a tie, raising one share (the others kept in proportion) favours the tied options
        # with the highest normalised value on it; options equal on it stay tied.
        values = [result.normalised[o][criterion.id] for o in result.tied]
        if max(values) - min(values) <= TIE:
            continue
        favoured = [_name(options[o]) for o, v in zip(result.tied, values, strict=True)
                    if v >= max(values) - TIE]
        ways.append(f"more weight on {_name(criterion)} favours {names_and(favoured)}")
    if not ways:
        return "They score alike on every criterion, so no change in the weights separates them."
    return f"Any change in the weights breaks the tie: {'; '.join(ways)}."


def robustness_sentence(decision: Decision, result: DecisionResult) -> str:
    """The nearest flip in plain words, e.g. "Partner stays best unless Privacy's weight rises from
    25% to 29%, when Build overtakes it."; on a tie, the tie and which way each weight breaks it."""
    if result.tied:
        return f"{score_headline(decision, result)}. {tie_sentence(decision, result)}"
    options = {o.id: o for o in decision.options}
    winner = _name(options[result.winner])
    criteria = {c.id: c for c in decision.criteria}
    flips = [
        (abs(f.share_flip - f.share_now), f.share_now, f.share_flip, criteria[f.criterion],
         [_name(options[o]) for o in f.overtakers or (f.new_winner,)])
        for f in result.flips
        if f.share_flip is not None and f.new_winner is not None
    ]
    if not flips:
        return f"{winner} stays best whatever any single weight is."
    # Nearest first; between equally near flips (float noise aside), the criterion listed first.
    _, share_now, share_flip, criterion, overtakers = min(flips, key=lambda flip: round(flip[0], 9))
    verb = "rises" if share_flip > share_now else "falls"
    who = f"{names_and(overtakers)} {'overtakes' if len(overtakers) == 1 else 'overtake'} it"
    # Whole percents, or as many decimals (up to 3) as it takes to show two different numbers.
    for places in range(4):
        now, then = _percent(share_now, places), _percent(share_flip, places)
        if now != then:
            return (f"{winner} stays best unless {_name(criterion)}'s weight {verb} from {now} to {then}, "
                    f"when {who}.")
    return (f"{winner} stays best only by a hair: a small change in {_name(criterion)}'s weight from "
            f"{_percent(share_now, 0)} makes {names_and(overtakers)} best.")


@dataclass(frozen=True)
class Recommendation:
    """What a decision recommends, in words for a memo: names, not ids."""

    decision: Decision
    result: DecisionResult
    option: str  # the winner's name
    score: float  # the winner's score, of 100
    robust: bool
    robustness: str  # robustness_sentence
    #: The option the plan uses instead, when the PM chose another than the winner.
    plan_uses: str | None
    #: The names of the options tied for the top score, in entry order; empty when one leads.
    tied: tuple[str, ...] = ()
    #: The option the PM chose, when there is one (whether or not it is the winner).
    chosen: str | None = None


def recommendations(decisions: Sequence[Decision], results: Sequence[DecisionResult]) -> list[Recommendation]:
    """One per scored decision, in the results' order (the memo's preview and its PDF read these)."""
    by_id = {d.id: d for d in decisions}
    found = []
    for result in results:
        decision = by_id.get(result.decision_id)
        if decision is None:
            continue
        options = {o.id: o for o in decision.options}
        chosen = options.get(decision.chosen_option_id or "")
        found.append(Recommendation(
            decision, result, _name(options[result.winner]), result.scores[result.winner], result.robust,
            robustness_sentence(decision, result),
            _name(chosen) if chosen is not None and chosen.id != result.winner else None,
            tuple(_name(options[o]) for o in result.tied), None if chosen is None else _name(chosen)))
    return found


def recommendation_sentence(rec: Recommendation, mark: Callable[[str], str] = str,
                            text: Callable[[str], str] = str) -> str:
    """A decision's recommendation in the memo's words; ``mark`` wraps an option's name (bold in a
    PDF) and ``text`` every other piece of user text (escaping), so one wording serves every output.

    A tie is said as a tie: the tied options, and the chosen one when the PM chose."""
    close = "" if rec.robust else ", a close call"
    if not rec.tied:
        line = (f"We recommend {mark(rec.option)} (score {rec.score:.0f} of 100{close}). "
                f"{text(rec.robustness)}")
        if rec.plan_uses:
            line += f" The plan currently uses {text(rec.plan_uses)}."
        return line
    tie = text(tie_sentence(rec.decision, rec.result))
    top = f"{rec.score:.1f} of 100"
    if rec.chosen is None:
        return (f"{names_and([mark(n) for n in rec.tied])} tie at {top}{close}. {tie} Until one is "
                f"chosen, the plan uses {text(rec.option)}, the first entered.")
    chosen_id = rec.decision.chosen_option_id
    if chosen_id in rec.result.tied:
        options = {o.id: o for o in rec.decision.options}
        others = [text(_name(options[o])) for o in rec.result.tied if o != chosen_id]
        return (f"We recommend {mark(rec.chosen)}, the option chosen, which ties with {names_and(others)} "
                f"at {top}{close}. {tie}")
    score = rec.result.scores.get(chosen_id or "", 0.0)
    return (f"We recommend {mark(rec.chosen)}, the option chosen (score {score:.0f} of 100); "
            f"{names_and([text(n) for n in rec.tied])} tie for the highest score at {top}. {tie}")


def decision_problems(decision: Decision) -> list[Problem]:
    """What stops the decision from being scored, each naming the object, the field and the rule."""
    problems: list[Problem] = []

    def decision_problem(field: str, rule: str) -> None:
        problems.append(Problem("decision", decision.id, decision.name, field, rule))

    if len(decision.options) < 2:
        decision_problem("options", "a decision needs at least two options to compare")
    if not any(c.weight.base > 0 for c in decision.criteria):
        decision_problem("criteria", "a decision needs at least one criterion with a weight above zero")
    option_ids = {o.id for o in decision.options}
    if decision.chosen_option_id is not None and decision.chosen_option_id not in option_ids:
        decision_problem("chosen_option_id", "the chosen option must be one of this decision's options")
    for c in decision.criteria:
        if c.kind not in CRITERION_KINDS:
            problems.append(Problem("criterion", c.id, c.name, "kind", "must be score, value or tco"))
        if c.weight.base < 0:
            problems.append(Problem("criterion", c.id, c.name, "weight", "must not be negative"))
    for o in decision.options:
        for c in decision.criteria:
            given, criterion = o.scores.get(c.id), f"“{_name(c)}”"
            rule = ""
            if c.kind == "tco":
                if given is not None:
                    rule = f"{criterion} is computed from the option's costs, so it takes no value"
            elif given is None:
                rule = f"needs {'a score from 1 to 5' if c.kind == 'score' else 'a value'} for {criterion}"
            elif c.kind == "score" and not 1 <= given.base <= 5:
                rule = f"the score for {criterion} must be between 1 and 5"
            if rule:
                problems.append(Problem("option", o.id, o.name, f"scores.{c.id}", rule))
    return problems

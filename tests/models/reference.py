"""A plain, loop-by-loop reading of docs/formulas.md 3.1, written independently of the engine."""

from __future__ import annotations


def opportunity_by_hand(*, users: float, adoption: float, ramp: int, tpm: float, success: float,
                        value: float, launch: int, build: float, run: float, cpt: float,
                        horizon_years: int, rate: float) -> dict[str, object]:
    months = 12 * horizon_years
    net, benefit_pv, cost_pv, build_pv = [], 0.0, 0.0, 0.0
    for m in range(1, months + 1):
        k = m - launch
        if k <= 0:
            a = 0.0
        elif ramp == 0:
            a = adoption
        else:
            a = adoption * min(1.0, k / ramp)
        tasks = users * a * tpm
        benefit = tasks * success * value
        if launch == 0:
            b = build if m == 1 else 0.0
        else:
            b = build / launch if m <= launch else 0.0
        cost = b + (run / 12 if k >= 1 else 0.0) + tasks * cpt
        df = (1 + rate) ** (-m / 12)
        net.append(benefit - cost)
        benefit_pv += benefit * df
        cost_pv += cost * df
        build_pv += b * df
    return {"net": net, "pv_benefit": benefit_pv, "pv_cost": cost_pv, "pv_build": build_pv,
            "npv": benefit_pv - cost_pv}

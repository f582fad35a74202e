"""Plans of any size for benchmarks: the sample's opportunities, repeated with new ids."""

from __future__ import annotations

import copy
from typing import Any

from app.interchange import sample_data


def scaled_sample(opportunities: int) -> dict[str, Any]:
    data = sample_data()
    originals = data["opportunities"]
    out = []
    for n in range(opportunities):
        o = copy.deepcopy(originals[n % len(originals)])
        o["id"] = f"{o['id']}-{n}"
        o["name"] = f"{o['name']} #{n}"
        if n >= len(originals):  # launch gates stay with the first copy (their ids are unique)
            o.update(kpis=[], launch_checklist=[], gate=None)
        out.append(o)
    data["opportunities"] = out
    # The scenarios and correlations keep naming the first copy of each opportunity.
    renamed = {o["id"]: f"{o['id']}-{n}" for n, o in enumerate(originals[:opportunities])}
    for ref in [*(o for s in data.get("scenarios") or [] for o in s["overrides"]),
                *(c[end] for c in data.get("correlations") or [] for end in ("a", "b"))]:
        if ref["kind"] == "opportunity":
            ref["id"] = renamed.get(ref["id"], ref["id"])
    data["scenarios"] = [dict(s, overrides=[o for o in s["overrides"] if o["kind"] != "opportunity"
                                            or o["id"] in renamed.values()])
                         for s in data.get("scenarios") or []]
    data["correlations"] = [c for c in data.get("correlations") or []
                            if all(c[e]["kind"] != "opportunity" or c[e]["id"] in renamed.values()
                                   for e in ("a", "b"))]
    return data

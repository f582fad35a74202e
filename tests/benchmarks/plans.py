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
        out.append(o)
    data["opportunities"] = out
    return data

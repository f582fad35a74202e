"""Application layer: entry points, the open document, interchange and exports."""

import os

# numpy's BLAS would start a thread per core for the engine's small matrix products (IRR's
# grid, the month profiles): on a two-core laptop those threads fight the window and the
# Monte Carlo worker and an edit's recalculation takes 2-3x longer. Set before numpy loads;
# a value the user set is kept.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

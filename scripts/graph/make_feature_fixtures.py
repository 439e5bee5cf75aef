#!/usr/bin/env python3
"""Golden Gaussian expansions (CGCNN's GaussianDistance formula) for test/shared/graph.

Centres numpy.arange(dmin, dmax + step, step), features exp(-(d - mu)^2 / var^2) in float64,
then float32 (torch.Tensor). Usage: /usr/bin/python3 scripts/graph/make_feature_fixtures.py
"""
import json

import numpy as np

cases = []
d = np.array([0.0, 0.1, 1.234, 2.5, 3.3333, 7.99, 8.0, 9.0])
for dmin, dmax, step, var in [(0.0, 8.0, 0.2, 0.2), (0.7, 5.3, 0.3, 0.5), (0.0, 6.0, 0.1, 0.1)]:
    mu = np.arange(dmin, dmax + step, step)
    g = np.exp(-((d[..., np.newaxis] - mu) ** 2) / var**2).astype(np.float32)
    cases.append({"dmin": dmin, "dmax": dmax, "step": step, "variance": var, "distances": d.tolist(),
                  "centres": mu.tolist(), "features": [float(x) for x in g.ravel()]})
with open("test/shared/graph/fixtures/gaussian.json", "w") as fh:
    json.dump(cases, fh)
print([len(c["centres"]) for c in cases])

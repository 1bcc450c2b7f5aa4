"""Point-neuron ANN baselines: what a weighted sum and a sigmoid can and cannot compute.

The controls against which a multi-compartment neuron is compared. All are pure functions on
arrays (no simulation, no plotting), fitted with scipy or scikit-learn, with a held-out split and
fixed seeds:

* :func:`linear_separability`: whether binary labels can be produced by a single threshold unit
  (perceptron), decided exactly by linear programming, and if not, the most rows any threshold
  unit gets right (XOR: 3 of 4).
* :func:`fit_one_layer`: the one-layer (point-neuron) model of Poirazi, Brannon & Mel (2003,
  Neuron 37:989): ``y = offset + amplitude * f(w . x - threshold)``, f a logistic (or the
  identity, for linear regression).
* :func:`fit_two_layer`: Poirazi's two-layer model: one sigmoidal subunit per dendritic branch,
  the subunit outputs summed and passed through an output sigmoid.
* :func:`fit_mlp`: a small multi-layer perceptron (scikit-learn), regressor or classifier.

Units: inputs and outputs are plain floats. Firing rates are in Hz by the package's convention
(e.g. presynaptic rates as inputs, the somatic rate as the target); weights then have units of
1/Hz, subunit drives and subunit outputs are dimensionless, and the output offset and amplitude
have the units of the target. Any other consistent units work the same way.

Every fitted model has ``predict(X)``, ``score(X, y)``, ``score_train``, ``score_test`` (held-out),
``metric`` (``"r2"`` or ``"accuracy"``), ``r2_train``/``r2_test`` for regressors, the split used
(``train_index``, ``test_index`` into the rows of `X`, from
``sklearn.model_selection.train_test_split(random_state=seed)``), ``seed`` and ``converged``.
The same seed gives the same split and the same fit.

Examples
--------
>>> import numpy as np
>>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
>>> linear_separability(X, [0, 1, 1, 0])  # XOR
LinearFeasibility(separable=False, best_rows_correct=3 of 4)
>>> linear_separability(X, [0, 0, 0, 1]).separable  # AND
True
"""

from __future__ import annotations

from .mlp import MLPModel, fit_mlp
from .poirazi import OneLayerModel, TwoLayerModel, fit_one_layer, fit_two_layer
from .separability import LinearFeasibility, linear_separability

__all__ = [
    "LinearFeasibility",
    "MLPModel",
    "OneLayerModel",
    "TwoLayerModel",
    "fit_mlp",
    "fit_one_layer",
    "fit_two_layer",
    "linear_separability",
]

"""Published cells as functions that return a :class:`~dendrites.Cell`.

* :func:`hay2011`: the layer-5b pyramidal cell of Hay et al. (2011), model "biophys3" on
  ``cell1.asc`` (ModelDB 139653), with its protocols (:func:`bac_protocol`,
  :func:`step_protocol`, :func:`pulse_train_protocol`) and feature measures.
"""

from .hay2011 import (
    HAY2011_TARGETS,
    PulseTrain,
    bac_features,
    bac_protocol,
    bap_amplitude,
    hay2011,
    locate_site,
    morphology_path,
    pulse_train_protocol,
    step_protocol,
)

__all__ = [
    "HAY2011_TARGETS",
    "PulseTrain",
    "bac_features",
    "bac_protocol",
    "bap_amplitude",
    "hay2011",
    "locate_site",
    "morphology_path",
    "pulse_train_protocol",
    "step_protocol",
]

"""An algorithm plugin for browser tests (``DISTVIZ_PLUGINS=distviz_gate``, with ``tests/`` and
``tests/plugins/`` on PYTHONPATH): registers ``gated``, whose fits wait while the file
``$DISTVIZ_TEST_HOLD`` exists, so a test can keep an export or a move in flight on purpose
(``$DISTVIZ_TEST_GATE_SECONDS``: how long a fit takes while the gate is open)."""

import os

from helpers_estimators import GatedClassifier

from distviz import models

HOLD = os.environ["DISTVIZ_TEST_HOLD"]
SECONDS = float(os.environ.get("DISTVIZ_TEST_GATE_SECONDS", "0"))  # an open gate's fit time

models.register("gated", lambda seed: GatedClassifier(hold=HOLD, seconds=SECONDS,
                                                      random_state=seed),
                task="classification", cost=0.1, label="Gated (test)", replace=True)

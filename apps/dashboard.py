"""`panel serve apps/dashboard.py`: the distviz dashboard on the bundled default dataset.

URL arguments (optional): ?data=NAME_OR_PATH&target=COLUMN&algorithms=a,b
"""

import panel as pn

from distviz.views.serve import build_app

build_app(served=pn.state.served).servable(title="distviz")

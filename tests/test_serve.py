"""A real `panel serve apps/dashboard.py` answers with the distviz page."""

import urllib.request

from helpers import served


def test_panel_serve_answers_with_the_title():
    with served() as url:
        with urllib.request.urlopen(url, timeout=60) as response:
            assert response.status == 200
            page = response.read().decode()
    assert "<title>distviz</title>" in page

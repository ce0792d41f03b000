"""Marks every browser test module uses: skip without Debian's chromium, live-server database."""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

E2E = [
    pytest.mark.e2e,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium (apt install chromium)"),
    pytest.mark.django_db(transaction=True),
]

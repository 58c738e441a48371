from __future__ import annotations

import pytest

from tests.prod.instances import Instances


@pytest.fixture
def instances(tmp_path):
    """Fresh Socialco instances as real processes; their PostgreSQL databases are dropped after."""
    created = Instances(tmp_path)
    yield created
    created.close()

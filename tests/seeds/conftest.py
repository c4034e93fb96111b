import shutil

import pytest

from seeds import loader


@pytest.fixture
def data_copy(tmp_path):
    """A copy of the real data files that a test may add a broken file to."""
    return shutil.copytree(loader.DATA_DIR, tmp_path / "data")

import pytest

from empathic.engine import Engine


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine()


@pytest.fixture(scope="session")
def read(engine):
    """Reading of one message (optionally with history)."""
    return lambda text, history=(): engine.analyze([text], [list(history)])[0]

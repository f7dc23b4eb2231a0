import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("ENGINE_CLIENT_TRANSPORT") == "httpx":
        # httpx's and httpcore's response streams are nested async generators: a stream left
        # early leaves them to trio's finalizer, which warns.  Theirs, not a leak of ours
        # (engine_client's own transport has no such generators).
        for module in ("httpx", "httpcore"):
            config.addinivalue_line(
                "filterwarnings", f"ignore:Async generator '{module}\\.:ResourceWarning"
            )


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)

"""engine_client: an async client for the Docker Engine API over the daemon's socket."""

from ._api.containers import ContainerConfig as ContainerConfig
from ._api.containers import ContainerCreateResponse as ContainerCreateResponse
from ._api.containers import ContainerInspectResponse as ContainerInspectResponse
from ._api.containers import Containers as Containers
from ._api.containers import ContainerState as ContainerState
from ._api.containers import ContainerWait as ContainerWait
from ._api.containers import ContainerWaitResponse as ContainerWaitResponse
from ._api.system import ComponentVersion as ComponentVersion
from ._api.system import Ping as Ping
from ._api.system import System as System
from ._api.system import SystemVersion as SystemVersion
from ._client import Client as Client
from ._client import ResponseStream as ResponseStream
from ._config import DEFAULT_HOST as DEFAULT_HOST
from ._config import MAX_API_VERSION as MAX_API_VERSION
from ._config import MIN_API_VERSION as MIN_API_VERSION
from ._config import ClientConfig as ClientConfig
from ._config import Endpoint as Endpoint
from ._exceptions import APIError as APIError
from ._exceptions import APIVersionError as APIVersionError
from ._exceptions import BadRequest as BadRequest
from ._exceptions import ClientClosedError as ClientClosedError
from ._exceptions import ConfigError as ConfigError
from ._exceptions import Conflict as Conflict
from ._exceptions import EngineConnectionError as EngineConnectionError
from ._exceptions import EngineError as EngineError
from ._exceptions import EngineTimeout as EngineTimeout
from ._exceptions import Forbidden as Forbidden
from ._exceptions import InvalidArgument as InvalidArgument
from ._exceptions import NotFound as NotFound
from ._exceptions import ServerError as ServerError
from ._exceptions import StreamError as StreamError
from ._exceptions import TransportError as TransportError
from ._exceptions import Unauthorized as Unauthorized
from ._models import Model as Model

__all__ = [
    "APIError",
    "APIVersionError",
    "BadRequest",
    "Client",
    "ClientClosedError",
    "ClientConfig",
    "ComponentVersion",
    "ConfigError",
    "Conflict",
    "ContainerConfig",
    "ContainerCreateResponse",
    "ContainerInspectResponse",
    "ContainerState",
    "ContainerWait",
    "ContainerWaitResponse",
    "Containers",
    "DEFAULT_HOST",
    "Endpoint",
    "EngineConnectionError",
    "EngineError",
    "EngineTimeout",
    "Forbidden",
    "InvalidArgument",
    "MAX_API_VERSION",
    "MIN_API_VERSION",
    "Model",
    "NotFound",
    "Ping",
    "ResponseStream",
    "ServerError",
    "StreamError",
    "System",
    "SystemVersion",
    "TransportError",
    "Unauthorized",
]

__version__ = "0.1.0"

for _name in __all__:
    _obj = globals()[_name]
    if hasattr(_obj, "__module__") and isinstance(_obj, type):
        _obj.__module__ = "engine_client"
del _name, _obj

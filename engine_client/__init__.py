"""engine_client: an async client for the Docker Engine API over the daemon's socket."""

from ._api.container_archive import ArchiveStream as ArchiveStream
from ._api.container_archive import FileMode as FileMode
from ._api.container_archive import PathStat as PathStat
from ._api.container_stats import ContainerStats as ContainerStats
from ._api.container_stats import CPUStats as CPUStats
from ._api.container_stats import MemoryStats as MemoryStats
from ._api.container_stats import block_io as block_io
from ._api.container_stats import cpu_percent as cpu_percent
from ._api.container_stats import memory_percent as memory_percent
from ._api.container_stats import memory_usage as memory_usage
from ._api.container_stats import network_io as network_io
from ._api.container_streams import ContainerStreams as ContainerStreams
from ._api.container_streams import RunResult as RunResult
from ._api.containers import ContainerConfig as ContainerConfig
from ._api.containers import ContainerCreateResponse as ContainerCreateResponse
from ._api.containers import ContainerInspectResponse as ContainerInspectResponse
from ._api.containers import ContainerPruneResponse as ContainerPruneResponse
from ._api.containers import Containers as Containers
from ._api.containers import ContainerState as ContainerState
from ._api.containers import ContainerSummary as ContainerSummary
from ._api.containers import ContainerTopResponse as ContainerTopResponse
from ._api.containers import ContainerUpdateResponse as ContainerUpdateResponse
from ._api.containers import ContainerWait as ContainerWait
from ._api.containers import ContainerWaitResponse as ContainerWaitResponse
from ._api.containers import FilesystemChange as FilesystemChange
from ._api.containers import FilesystemChangeKind as FilesystemChangeKind
from ._api.exec import Exec as Exec
from ._api.exec import ExecCreateResponse as ExecCreateResponse
from ._api.exec import ExecInspectResponse as ExecInspectResponse
from ._api.exec import ExecProcessConfig as ExecProcessConfig
from ._api.exec import ExecResult as ExecResult
from ._api.images import ImageDeleteResponseItem as ImageDeleteResponseItem
from ._api.images import ImageHistoryItem as ImageHistoryItem
from ._api.images import ImageInspectResponse as ImageInspectResponse
from ._api.images import ImagePruneResponse as ImagePruneResponse
from ._api.images import Images as Images
from ._api.images import ImageSearchResult as ImageSearchResult
from ._api.images import ImageSummary as ImageSummary
from ._api.images import ProgressCall as ProgressCall
from ._api.images import ProgressEvent as ProgressEvent
from ._api.images import ProgressResult as ProgressResult
from ._api.images import ProgressStream as ProgressStream
from ._api.networks import Network as Network
from ._api.networks import NetworkCreateResponse as NetworkCreateResponse
from ._api.networks import NetworkPruneResponse as NetworkPruneResponse
from ._api.networks import Networks as Networks
from ._api.system import AuthResponse as AuthResponse
from ._api.system import ComponentVersion as ComponentVersion
from ._api.system import DiskUsage as DiskUsage
from ._api.system import Event as Event
from ._api.system import EventActor as EventActor
from ._api.system import EventStream as EventStream
from ._api.system import Ping as Ping
from ._api.system import System as System
from ._api.system import SystemInfo as SystemInfo
from ._api.system import SystemVersion as SystemVersion
from ._api.volumes import Volume as Volume
from ._api.volumes import VolumePruneResponse as VolumePruneResponse
from ._api.volumes import Volumes as Volumes
from ._auth import AuthConfig as AuthConfig
from ._auth import CredentialStore as CredentialStore
from ._client import Client as Client
from ._client import ResponseStream as ResponseStream
from ._config import DEFAULT_HOST as DEFAULT_HOST
from ._config import MAX_API_VERSION as MAX_API_VERSION
from ._config import MIN_API_VERSION as MIN_API_VERSION
from ._config import ClientConfig as ClientConfig
from ._config import Endpoint as Endpoint
from ._config import TLSConfig as TLSConfig
from ._exceptions import APIError as APIError
from ._exceptions import APIVersionError as APIVersionError
from ._exceptions import BadRequest as BadRequest
from ._exceptions import ClientClosedError as ClientClosedError
from ._exceptions import ConfigError as ConfigError
from ._exceptions import ConfigFileWarning as ConfigFileWarning
from ._exceptions import Conflict as Conflict
from ._exceptions import CredentialsError as CredentialsError
from ._exceptions import DaemonStreamError as DaemonStreamError
from ._exceptions import EngineConnectionError as EngineConnectionError
from ._exceptions import EngineError as EngineError
from ._exceptions import EngineTimeout as EngineTimeout
from ._exceptions import Forbidden as Forbidden
from ._exceptions import InvalidArgument as InvalidArgument
from ._exceptions import MalformedResponse as MalformedResponse
from ._exceptions import NotFound as NotFound
from ._exceptions import ServerError as ServerError
from ._exceptions import StreamedError as StreamedError
from ._exceptions import StreamError as StreamError
from ._exceptions import TransportError as TransportError
from ._exceptions import Unauthorized as Unauthorized
from ._hijack import AttachedStream as AttachedStream
from ._models import Model as Model
from ._reference import ImageReference as ImageReference
from ._reference import parse_reference as parse_reference
from ._streams import Frame as Frame
from ._streams import FrameStream as FrameStream
from ._streams import Output as Output
from ._streams import StreamType as StreamType
from ._streams import TextDecoder as TextDecoder
from ._tar import DeviceSkippedWarning as DeviceSkippedWarning
from ._tar import UnsafeArchiveError as UnsafeArchiveError
from ._tar import extract_archive as extract_archive
from ._tar import pack_path as pack_path

__all__ = [
    "APIError",
    "APIVersionError",
    "ArchiveStream",
    "AttachedStream",
    "AuthConfig",
    "AuthResponse",
    "BadRequest",
    "CPUStats",
    "Client",
    "ClientClosedError",
    "ClientConfig",
    "ComponentVersion",
    "ConfigError",
    "ConfigFileWarning",
    "Conflict",
    "ContainerConfig",
    "ContainerCreateResponse",
    "ContainerInspectResponse",
    "ContainerPruneResponse",
    "ContainerState",
    "ContainerStats",
    "ContainerStreams",
    "ContainerSummary",
    "ContainerTopResponse",
    "ContainerUpdateResponse",
    "ContainerWait",
    "ContainerWaitResponse",
    "Containers",
    "CredentialStore",
    "CredentialsError",
    "DEFAULT_HOST",
    "DaemonStreamError",
    "DeviceSkippedWarning",
    "DiskUsage",
    "Endpoint",
    "EngineConnectionError",
    "EngineError",
    "EngineTimeout",
    "Event",
    "EventActor",
    "EventStream",
    "Exec",
    "ExecCreateResponse",
    "ExecInspectResponse",
    "ExecProcessConfig",
    "ExecResult",
    "FileMode",
    "FilesystemChange",
    "FilesystemChangeKind",
    "Forbidden",
    "Frame",
    "FrameStream",
    "ImageDeleteResponseItem",
    "ImageHistoryItem",
    "ImageInspectResponse",
    "ImagePruneResponse",
    "ImageReference",
    "ImageSearchResult",
    "ImageSummary",
    "Images",
    "InvalidArgument",
    "MAX_API_VERSION",
    "MIN_API_VERSION",
    "MalformedResponse",
    "MemoryStats",
    "Model",
    "Network",
    "NetworkCreateResponse",
    "NetworkPruneResponse",
    "Networks",
    "NotFound",
    "Output",
    "PathStat",
    "Ping",
    "ProgressCall",
    "ProgressEvent",
    "ProgressResult",
    "ProgressStream",
    "ResponseStream",
    "RunResult",
    "ServerError",
    "StreamError",
    "StreamType",
    "StreamedError",
    "System",
    "SystemInfo",
    "SystemVersion",
    "TLSConfig",
    "TextDecoder",
    "TransportError",
    "Unauthorized",
    "UnsafeArchiveError",
    "Volume",
    "VolumePruneResponse",
    "Volumes",
    "block_io",
    "cpu_percent",
    "extract_archive",
    "memory_percent",
    "memory_usage",
    "network_io",
    "pack_path",
    "parse_reference",
]

__version__ = "0.1.0"

for _name in __all__:
    _obj = globals()[_name]
    if hasattr(_obj, "__module__") and isinstance(_obj, type):
        _obj.__module__ = "engine_client"
del _name, _obj

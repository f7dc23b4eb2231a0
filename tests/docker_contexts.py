"""Write docker CLI context stores for tests, laid out as the CLI lays them out."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path


def write_context(
    config_dir: Path,
    name: str,
    host: str,
    *,
    skip_tls_verify: bool = False,
    tls_files: dict[str, Path] | None = None,
    description: str = "",
) -> None:
    """``contexts/meta/<sha256>/meta.json`` and, with ``tls_files`` ({"ca.pem": path, ...}),
    ``contexts/tls/<sha256>/docker/``."""
    store_id = hashlib.sha256(name.encode()).hexdigest()
    meta = config_dir / "contexts" / "meta" / store_id
    meta.mkdir(parents=True, exist_ok=True)
    endpoint = {"Host": host, "SkipTLSVerify": skip_tls_verify}
    document = {"Name": name, "Metadata": {"Description": description}, "Endpoints": {"docker": endpoint}}
    (meta / "meta.json").write_text(json.dumps(document))
    if tls_files:
        tls = config_dir / "contexts" / "tls" / store_id / "docker"
        tls.mkdir(parents=True, exist_ok=True)
        for target, source in tls_files.items():
            shutil.copy(source, tls / target)


def use_context(config_dir: Path, name: str) -> None:
    """What ``docker context use NAME`` writes into config.json."""
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.json").write_text(json.dumps({"currentContext": name}))

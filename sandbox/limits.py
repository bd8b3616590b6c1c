"""Resource limits of a sandboxed execution, with safe defaults."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Limits:
    """Container-level limits (memory, pids, cpus, tmpfs sizes) and per-process ones (output, file size)."""

    memory_mb: int = 512          # cgroup memory = memory+swap, and RLIMIT_AS of each candidate process
    pids: int = 128               # pids cgroup limit (threads count too)
    cpus: float = 1.0             # CPU quota per container
    output_bytes: int = 1 << 20   # stdout+stderr kept per test; more kills the test ("output limit")
    work_mb: int = 64             # tmpfs /work (the candidate's working directory lives here)
    tmp_mb: int = 16              # tmpfs /tmp
    fsize_mb: int = 16            # RLIMIT_FSIZE: largest file a candidate may write
    nofile: int = 256             # RLIMIT_NOFILE

    @classmethod
    def from_spec(cls, data: dict[str, Any] | None, **defaults: Any) -> Limits:
        """Build from a spec's `limits` object (unknown keys are rejected by the schema)."""
        base = asdict(cls())
        base.update(defaults)
        base.update({k: v for k, v in (data or {}).items() if k in {f.name for f in fields(cls)}})
        return cls(**base)

    def container_key(self) -> tuple:
        """Containers can be shared between executions whose container-level limits agree."""
        return (self.memory_mb, self.pids, self.cpus, self.work_mb, self.tmp_mb, self.nofile)

    def process_limits(self) -> dict[str, int]:
        """What the in-container runner applies to each candidate process."""
        return {"memory_bytes": self.memory_mb << 20, "output_bytes": self.output_bytes,
                "fsize_bytes": self.fsize_mb << 20, "nofile": self.nofile}

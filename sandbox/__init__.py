"""Docker execution of untrusted code: image build, hardened containers, a warm pool, a trusted runner.

    from sandbox.backends import sandbox_backend        # docker (default) | docker_fresh | unsafe_process
    from sandbox.pool import ContainerPool, get_container_pool
    from sandbox.limits import Limits

See docs/sandbox.md for the threat model. Heavy imports (the docker SDK) happen lazily.
"""
from sandbox.limits import Limits

__all__ = ["Limits", "ContainerPool", "UnsafeProcessBackend", "DockerBackend", "sandbox_backend", "DockerUnavailable"]


def __getattr__(name):
    if name in ("UnsafeProcessBackend", "DockerBackend", "sandbox_backend"):
        from sandbox import backends

        return getattr(backends, name)
    if name == "ContainerPool":
        from sandbox.pool import ContainerPool

        return ContainerPool
    if name == "DockerUnavailable":
        from sandbox.docker_client import DockerUnavailable

        return DockerUnavailable
    raise AttributeError(name)

"""Dask clusters for the fit executor: connecting to one (``"local"`` starts a LocalCluster, an
address such as ``tcp://HOST:PORT`` joins a running scheduler) and the clients a
:class:`~distviz.loop.executor.FitExecutor` submits fits through, as a ``concurrent.futures``
executor: fits in flight, the progressive order and cancelling work the same on a cluster as on
the local process pool.
"""

from __future__ import annotations

import threading

from ..errors import UsageError

LOCAL_CLUSTER_WORKERS = 2


def check_scheduler(scheduler: str) -> str:
    """``scheduler`` when it is 'local' or looks like a scheduler address, else a UsageError."""
    if scheduler != "local" and "://" not in scheduler and ":" not in scheduler:
        raise UsageError(f"--scheduler takes 'local' or a dask scheduler address such as "
                         f"tcp://127.0.0.1:8786, got {scheduler!r}.")
    return scheduler


def _probe(address: str) -> None:
    """Fail at once when nothing listens at a TCP address (the client would retry for long)."""
    import socket
    from urllib.parse import urlsplit
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        with socket.create_connection((parts.hostname, parts.port), timeout=5):
            pass


def connect(scheduler: str):
    """A ``distributed.Client`` for ``scheduler`` and a function that releases it.

    ``"local"`` starts a LocalCluster of two one-thread worker processes on 127.0.0.1 (no
    dashboard) that lives until released; an address connects to a running scheduler.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - a dependency of distviz
        raise UsageError("dask.distributed is not installed; pip install 'dask[distributed]'.") \
            from None
    import dask
    # Each fit carries its own shifted training matrices, as it does to the local pool: at
    # 40,000 rows ~13 MiB, which dask would otherwise warn about on every fit.
    dask.config.set({"distributed.admin.large-graph-warning-threshold": "1GiB"})
    if scheduler == "local":
        cluster = LocalCluster(n_workers=LOCAL_CLUSTER_WORKERS, threads_per_worker=1,
                               processes=True, host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)

        def close():
            client.close()
            cluster.close()
        return client, close
    check_scheduler(scheduler)
    try:
        _probe(scheduler)
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"cannot reach the dask scheduler at {scheduler} ({type(exc).__name__});"
                         " start one with 'dask scheduler' or use --scheduler local.") from None
    return client, lambda: client.close(timeout=5)


class Clusters:
    """An executor's clients, one per scheduler address, kept between runs (connecting takes a
    second; a LocalCluster's workers keep their imports). ``connect(address) -> (client,
    close)`` makes one (default :func:`connect`)."""

    def __init__(self, connect=connect):
        self._connect = connect
        self._clients: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def client(self, scheduler: str):
        """The connected client for ``scheduler`` (reconnecting if it was lost), or a
        UsageError saying why there is none."""
        with self._lock:
            entry = self._clients.get(scheduler)
            if entry is not None and entry[0].status == "running":
                return entry[0]
            if entry is not None:
                self._release(scheduler)
            client, close = self._connect(scheduler)
            self._clients[scheduler] = (client, close)
            return client

    def alive(self, scheduler: str) -> bool:
        """Whether the client for ``scheduler`` is still connected to it."""
        entry = self._clients.get(scheduler)
        return entry is not None and entry[0].status == "running"

    def threads(self, scheduler: str) -> int:
        """The worker threads of the cluster (how many fits run there at once)."""
        try:
            return max(1, sum(self.client(scheduler).nthreads().values()))
        except Exception:  # noqa: BLE001 - a cluster gone meanwhile: the caller falls back
            return 1

    def drop(self, scheduler: str) -> None:
        """Release the client for ``scheduler`` (its cluster went away); the next
        :meth:`client` connects anew."""
        with self._lock:
            if scheduler in self._clients:
                self._release(scheduler)

    def _release(self, scheduler: str) -> None:
        _client, close = self._clients.pop(scheduler)
        try:
            close()
        except Exception:  # noqa: BLE001, S110 - releasing a connection that is already gone
            pass

    def close(self) -> None:
        with self._lock:
            for scheduler in list(self._clients):
                self._release(scheduler)

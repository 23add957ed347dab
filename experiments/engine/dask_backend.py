"""Running batches on a Dask distributed cluster (``--scheduler ADDRESS``).

A Dask cluster needs nothing but hypomag installed on its scheduler and
workers: :class:`DaskBackend` registers a worker plugin
(:class:`DaskWorkerSetup`) that imports Brian2 on each worker's main thread
and takes Brian2's SIGINT handler away there, so a worker runs every batch to
completion or fails it, never returns one cut short (Brian2 installs a signal
handler on import, which a thread other than the main one may not do; see
:func:`~experiments.engine.batch.import_brian2`). Batches travel pickled with
the client's build settings (:func:`_run_pickled_batch`). Needs the optional
extra ``hypomag[cluster]``.
"""
from __future__ import annotations

from .backends import BackendLost, SerialBackend
from .batch import run_batch
from .settings import UsageError


#: Seconds a scheduler's host has to accept the connection, then the scheduler to
#: answer Dask's handshake. A refused connection or an unknown host fails at once.
CONNECT_TIMEOUT = 10

#: Address schemes of Dask whose location is HOST:PORT over TCP.
_TCP_SCHEMES = ("tcp", "tls", "ws", "wss")

_ALLOWED_ADDRESS = ("allowed: the address of a running Dask scheduler, such as "
                    "tcp://HOST:8786 (its 'Scheduler at:' line)")


def scheduler_address(address) -> str:
    """``address`` (``--scheduler``) once a Dask scheduler answers there; else a
    :class:`UsageError`, at once for an empty value, a refused connection or an unknown
    host, after :data:`CONNECT_TIMEOUT` s for a host that does not accept the connection
    or a server that accepts it and does not answer Dask's handshake."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend
    from .errors import shown_value
    if not isinstance(address, str) or not address.strip():
        raise UsageError(f"--scheduler {shown_value(address)}: {_ALLOWED_ADDRESS}")
    address = address.strip()
    shown = f"--scheduler {shown_value(address)}"
    try:
        scheme, location = parse_address(address)
        get_backend(scheme)
    except (ValueError, TypeError):
        raise UsageError(f"{shown}: unknown protocol; {_ALLOWED_ADDRESS}") from None
    if scheme not in _TCP_SCHEMES:
        return address
    try:
        host, port = parse_host_port(location)
    except ValueError:
        raise UsageError(f"{shown}: no port; {_ALLOWED_ADDRESS}") from None
    import socket
    try:  # Dask's own connect retries a refused connection until its timeout
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except ConnectionRefusedError:
        reason = "connection refused: nothing listens there"
    except socket.gaierror:
        reason = f"unknown host {shown_value(host)}"
    except UnicodeError:  # a host name too long or with an empty label (IDNA)
        reason = "not a valid host name"
    except TimeoutError:
        reason = f"no answer within {CONNECT_TIMEOUT} s"
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
    else:
        reason = _no_handshake(address) if scheme == "tcp" else None
        if reason is None:
            return address
    raise UsageError(f"{shown}: cannot connect ({reason}); {_ALLOWED_ADDRESS}")


def _no_handshake(address: str) -> str | None:
    """Why the server at ``address`` did not answer Dask's handshake within
    :data:`CONNECT_TIMEOUT` s, or ``None`` if it did: Dask's own connect (and so
    ``Client``) waits for ever on a server that accepts connections and says nothing."""
    import asyncio
    import concurrent.futures
    from distributed.comm import connect

    async def handshake():
        comm = await asyncio.wait_for(connect(address, timeout=CONNECT_TIMEOUT), CONNECT_TIMEOUT)
        await comm.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # this thread may run a loop
        try:
            pool.submit(asyncio.run, handshake()).result()
        except TimeoutError:
            return f"no answer as a Dask scheduler within {CONNECT_TIMEOUT} s"
        except Exception as exc:
            return _one_line(exc)
    return None


def __getattr__(name: str):
    # DaskWorkerSetup subclasses Dask's WorkerPlugin, so it is defined on first use:
    # Dask is optional and takes most of a second to import
    if name == "DaskWorkerSetup":
        return _dask_worker_setup()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _dask_worker_setup() -> type:
    """The class ``DaskWorkerSetup`` of this module (a Dask worker plugin)."""
    cls = globals().get("DaskWorkerSetup")
    if cls is None:
        from distributed.diagnostics.plugin import WorkerPlugin

        class DaskWorkerSetup(WorkerPlugin):
            """Prepares every worker of a cluster for hypomag before its first batch.

            Registered with the scheduler by :class:`DaskBackend`, so workers that
            join later (a SLURM job that starts late) get it too; Dask runs
            :meth:`setup` on the worker's event loop, its main thread: Brian2 is
            imported there, and its SIGINT handler, which would return a batch cut
            short as complete, is taken away (:func:`~.batch.prepare_worker`).
            """

            name = "hypomag-worker-setup"
            idempotent = True  # a later run on the same cluster registers nothing new

            def setup(self, worker):
                from .batch import prepare_worker
                prepare_worker()

        DaskWorkerSetup.__qualname__ = DaskWorkerSetup.__name__  # pickled by reference
        cls = globals()["DaskWorkerSetup"] = DaskWorkerSetup
    return cls


def _run_pickled_batch(payload: bytes):
    """:func:`~.batch.run_batch` of a Dask task whose arguments travel pickled.

    The scheduler unpickles every task it receives, off its main thread in a
    ``LocalCluster`` (whose event loop runs in a thread): Brian2 quantities among
    the arguments imported Brian2 there, which failed every batch. Pickled, the
    arguments are opened on the worker only; the scheduler imports this module
    (and with it Brian2), which works in any thread (:func:`~.batch.import_brian2`).
    The payload ends with the client's ``HYPOMAG_VECTORIZE``, applied for this batch;
    its target is the client's ``HYPOMAG_TARGET``: the worker's environment is not used.
    """
    import pickle
    from .codegen import vectorizing
    *arguments, vectorize = pickle.loads(payload)
    with vectorizing(vectorize):  # the client's build, not the worker's environment
        return run_batch(*arguments)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


class DaskBackend(SerialBackend):
    """Run batches on a Dask distributed cluster (``--scheduler ADDRESS``).

    Needs the optional extra ``hypomag[cluster]``; the scheduler and the workers
    need hypomag installed and nothing else: any scheduler works (``dask
    scheduler`` and ``dask worker``, ``distributed.LocalCluster``,
    ``dask-jobqueue`` on SLURM, ...). On connecting it registers
    :class:`DaskWorkerSetup` with the scheduler, which sets up every worker, now
    and joining later. ``address`` may also be a ``distributed.Client``, which
    is then left open on :meth:`close`. A refused connection fails at once, a
    silent host or scheduler after :data:`CONNECT_TIMEOUT` s.
    """

    name = "dask"

    def __init__(self, address, target: str | None = None):
        super().__init__(target)
        try:
            from distributed import Client
        except ImportError:
            raise UsageError("--scheduler needs Dask distributed: pip install 'hypomag[cluster]'") from None
        from .errors import shown_value
        self._own, self._quieted, self._gone = False, {}, False
        if isinstance(address, Client):
            self.client = address
            address = getattr(address.scheduler, "address", None) or "(client)"
        else:
            address = scheduler_address(address)
            try:
                self.client, self._own = Client(address, timeout=f"{CONNECT_TIMEOUT}s"), True
            except Exception as exc:
                raise UsageError(f"--scheduler {shown_value(address)}: cannot connect "
                                 f"({_one_line(exc)}); {_ALLOWED_ADDRESS}") from None
        #: ``--scheduler ADDRESS`` as error lines show it
        self.shown = f"--scheduler {shown_value(address)}"
        if not self._workers():
            try:
                self.client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
            except Exception:  # TimeoutError; the scheduler gone meanwhile too
                self.close()
                raise UsageError(f"{self.shown}: the scheduler has no workers; allowed: start "
                                 f"workers first (dask worker {address} --nthreads 1)") from None
        plugin = _dask_worker_setup()()
        try:
            if hasattr(self.client, "register_plugin"):
                self.client.register_plugin(plugin)
            else:  # distributed before 2023.9
                self.client.register_worker_plugin(plugin, name=plugin.name)
        except Exception as exc:
            self.close()
            raise UsageError(f"{self.shown}: a worker cannot run hypomag "
                             f"({type(exc).__name__}: {_one_line(exc)}); allowed: workers "
                             "with hypomag installed") from None
        # batches in one worker process run one at a time (run_batch holds a lock)
        self.parallelism = max(1, self._workers())
        self._quiet()

    def _workers(self) -> int:
        """How many workers the scheduler has now (0 if it does not say)."""
        try:
            return len(self.client.nthreads())
        except Exception:
            return 0

    def _quiet(self) -> None:
        """Silence Dask's logging in this process while the backend is open: a lost
        scheduler is reported as one line (:class:`BackendLost`), not as the client's
        tracebacks of every reconnection attempt. :meth:`close` restores the levels."""
        import logging
        names = ["distributed", "tornado", "asyncio"] + [
            name for name in list(logging.root.manager.loggerDict)
            if name.startswith(("distributed.", "tornado."))]
        for name in names:
            logger = logging.getLogger(name)
            self._quieted.setdefault(name, logger.level)
            logger.setLevel(logging.CRITICAL + 1)

    def _lost(self, exc: BaseException) -> BackendLost:
        self._gone = True  # nothing to wait for on close
        reason = type(exc).__name__
        if isinstance(getattr(exc, "reason", None), str):  # FutureCancelledError
            reason += f": {exc.reason}"
        return BackendLost(f"{self.shown}: lost the connection to the scheduler ({reason})")

    def submit_all(self, experiment_name, batches):
        """As :meth:`SerialBackend.submit_all`; each batch carries this process's build
        (``HYPOMAG_TARGET``, ``HYPOMAG_VECTORIZE``), which the worker uses instead of its
        own environment. A scheduler lost mid-sweep raises :class:`BackendLost`."""
        import asyncio
        import pickle
        from distributed import as_completed
        from .codegen import vectorize_enabled
        from .environment import setting
        target = self.target or setting("HYPOMAG_TARGET")
        vectorize = vectorize_enabled()
        lost = (OSError, TimeoutError, asyncio.TimeoutError, asyncio.CancelledError)
        futures: dict = {}
        try:
            for index, (fixed, conditions) in batches.items():
                payload = pickle.dumps((experiment_name, fixed, conditions, target, vectorize),
                                       protocol=pickle.HIGHEST_PROTOCOL)
                futures[self.client.submit(_run_pickled_batch, payload, pure=False)] = index
            for future in as_completed(list(futures)):
                index = futures[future]
                if future.status == "error":
                    result = future.exception()
                elif future.status == "finished":
                    result = future.result()
                else:  # cancelled: by the client, when its scheduler went away
                    try:
                        future.result()
                    except BaseException as exc:
                        raise self._lost(exc) from None
                    raise self._lost(asyncio.CancelledError())
                yield index, result
        except lost as exc:
            raise self._lost(exc) from None
        finally:
            if self.client.status == "running":
                for future in futures:
                    future.cancel()

    def close(self):
        import logging
        try:
            if self._own:  # a lost scheduler cannot answer: one second for the client's own
                self.client.close(timeout=1 if self._gone else CONNECT_TIMEOUT)
        except Exception:  # a scheduler already gone
            pass
        finally:
            for name, level in self._quieted.items():
                logging.getLogger(name).setLevel(level)
            self._quieted = {}

"""Warm kernel start: fork each notebook's kernel from a process that already imported the pipeline.

papermill runs every stage notebook in a fresh IPython kernel. Started cold, that kernel spends
about a second booting and another importing pandas, matplotlib, numba and the stage modules before its
first line of work: at 185 months x 4 stages, half an hour. This Jupyter kernel provisioner (named
in the kernelspec, the extension point Jupyter has for "how a kernel process is started") asks a
long-lived *zygote* that did those imports once to fork the kernel instead. The child is still a
fresh kernel process with its own namespace, and the requester's environment, working directory
and standard streams; papermill, nbclient and the notebook see an ordinary kernel.

The zygote only serves while every module file it imported is unchanged (an edited ``src`` file
or an upgraded package makes it exit) and for requesters whose import-relevant environment equals
its own. Anything else, or any failure, launches the kernel cold, as Jupyter does by default;
``ES_PIPELINE_WARM_KERNEL=0`` always does. The zygote listens on a socket in a private (0700)
folder, serves only its own user, and exits after ``IDLE_SECONDS`` without a request.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_client.provisioning import LocalProvisioner

from es_pipeline.core.logs import log

if TYPE_CHECKING:
    from jupyter_client.connect import KernelConnectionInfo

WARM_ENV = "ES_PIPELINE_WARM_KERNEL"
PROVISIONER = "es-pipeline-warm"
IDLE_SECONDS = 300
# what a stage kernel imports anyway: done once in the zygote instead of once per notebook
PRELOAD = ("IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger", "numpy", "pandas",
           "pyarrow.parquet", "matplotlib.pyplot", "numba", "es_pipeline.filter.stage", "es_pipeline.label.stage",
           "es_pipeline.features.stage", "es_pipeline.report.stage", "es_pipeline.filter.views",
           "es_pipeline.label.views", "es_pipeline.features.views", "es_pipeline.report.views")
# variables read while those modules import (threads, caches, config and locale): requesters whose
# values differ are served by different zygotes. All other variables are simply the requester's.
IMPORT_ENV = re.compile(r"^(PYTHON|NUMBA_|MPL|MATPLOTLIB|OMP_|OPENBLAS_|MKL_|ARROW_|JUPYTER|IPYTHON|XDG_|LC_|"
                        r"LANG$|HOME$|TZ$)")
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # what ipykernel selects when MPLBACKEND is unset


def import_env(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in sorted(env.items()) if IMPORT_ENV.match(k)}


def _folder() -> Path:
    folder = Path(tempfile.gettempdir()) / f"es-pipeline-kernels-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.stat().st_uid != os.getuid() or folder.stat().st_mode & 0o077:
        raise PermissionError(f"{folder} must be a private folder of this user")
    return folder


def _address(interpreter: list[str], env: dict[str, str]) -> Path:
    """One zygote per interpreter (with its flags) and import-relevant environment."""
    key = json.dumps([interpreter, import_env(env)]).encode()
    return _folder() / f"{hashlib.sha256(key).hexdigest()[:16]}.sock"


def _split(cmd: list[str]) -> tuple[list[str], list[str]]:
    """A kernelspec command ``python [flags] -m ipykernel_launcher args`` -> (interpreter+flags, args)."""
    module = cmd.index("-m")
    if cmd[module + 1] != "ipykernel_launcher":
        raise ValueError(f"not an ipykernel command: {cmd}")
    return cmd[:module], cmd[module + 2:]


# ---------------------------------------------------------------- requester side (the provisioner)

def request_kernel(cmd: list[str], env: dict[str, str], cwd: str) -> int | None:
    """Ask the zygote for a kernel running ``cmd``; its pid, or None (no zygote, stale, refused)."""
    interpreter, args = _split(cmd)
    # as jupyter_client's launcher sets it; ipykernel read its default when the zygote imported it
    env = {**env, "JPY_PARENT_PID": str(os.getpid())}
    args = [*args, f"--IPKernelApp.parent_handle={os.getpid()}"]
    payload = json.dumps({"args": args, "env": env, "cwd": cwd}).encode()
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as conn:
        try:
            conn.connect(str(_address(interpreter, env)))
            socket.send_fds(conn, [payload], [0, 1, 2])
            reply = json.loads(conn.recv(4096) or b"{}")
        except (OSError, ValueError):
            return None
    return reply.get("pid")


def start_zygote(cmd: list[str], env: dict[str, str]) -> None:
    """Start a zygote in the background for the next kernels; it outlives this process."""
    interpreter, _ = _split(cmd)
    address = _address(interpreter, env)
    with open(address.with_suffix(".log"), "ab") as zygote_log:
        subprocess.Popen([*interpreter, "-m", __name__, "serve", str(address)], env=env, cwd=tempfile.gettempdir(),
                         stdin=subprocess.DEVNULL, stdout=zygote_log, stderr=zygote_log, start_new_session=True)


class ForkedKernel:
    """The part of ``subprocess.Popen`` LocalProvisioner uses, for a kernel that is the zygote's child.

    The zygote reaps it, so its exit status is not ours to read: a finished kernel reports 0. Nor
    is its memory in our rusage: ``peak_mb`` follows its high-water mark while it runs.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        self.peak_mb = 0.0

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                status = Path(f"/proc/{self.pid}/status").read_text()
                # no VmHWM line (a zombie): None[1] raises the TypeError below
                self.peak_mb = max(self.peak_mb, int(re.search(r"VmHWM:\s+(\d+)", status)[1]) / 1024)  # type: ignore[index]
            except (OSError, TypeError):
                self.returncode = 0
        return self.returncode

    def wait(self) -> int:
        while self.poll() is None:
            select.select([], [], [], 0.05)
        assert self.returncode is not None  # set by poll()
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class WarmKernelProvisioner(LocalProvisioner):
    """LocalProvisioner that takes a forked kernel from the zygote when one is ready."""

    forked: ForkedKernel | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        env, cwd = kwargs.get("env") or dict(os.environ), str(kwargs.get("cwd") or os.getcwd())
        warm = env.get(WARM_ENV) != "0"
        pid = request_kernel(cmd, env, cwd) if warm else None
        if pid is None:
            if warm:
                try:
                    start_zygote(cmd, env)
                except OSError as exc:  # only later kernels would have been faster
                    log.warning("no warm kernels: could not start the zygote (%s)", exc)
            return await super().launch_kernel(cmd, **kwargs)
        self.process = self.forked = ForkedKernel(pid)  # type: ignore[assignment]  # the part of Popen it uses
        self.pid = self.pgid = pid  # the child leads its own process group
        self.cwd = cwd
        return self.connection_info

    async def send_signal(self, signum: int) -> None:
        """No SIGINT to a kernel being shut down: jupyter_client interrupts before every shutdown, and
        landing while the kernel handles the shutdown request it logged "KeyboardInterrupt caught in
        kernel" into the stage log. A finished stage has nothing to interrupt."""
        if signum == signal.SIGINT and getattr(self.parent, "shutting_down", False):
            return
        await super().send_signal(signum)

    async def cleanup(self, restart: bool = False) -> None:
        """Report a forked kernel's peak memory: it is in no rusage of the stage command's."""
        if self.forked is not None:
            log.info("kernel %d (forked warm): peak RSS %.0f MB", self.forked.pid, self.forked.peak_mb)
            self.forked = None
        await super().cleanup(restart)


# ---------------------------------------------------------------- zygote side

def _stamp(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _module_files() -> dict[str, tuple[int, int] | None]:
    paths: set[str] = {path for module in list(sys.modules.values())
                       if (path := getattr(module, "__file__", None)) is not None}
    return {path: _stamp(path) for path in paths}


def _unchanged(files: dict[str, tuple[int, int] | None]) -> bool:
    return all(_stamp(path) == seen for path, seen in files.items())


def _load_compiled() -> None:
    """Load every numba function's cached machine code now, not on each kernel's first call.

    Best effort through numba's cache index (not a public API): anything it cannot load is left
    to the kernel, which loads or compiles it exactly as a cold kernel would.
    """
    from numba.core.dispatcher import Dispatcher

    for module in [m for name, m in sys.modules.items() if name.startswith("es_pipeline")]:
        # _cache is private to numba (not in its stubs)
        for function in [v for v in vars(module).values()
                         if isinstance(v, Dispatcher) and v._cache is not None]:  # type: ignore[attr-defined]
            try:
                for key in function._cache._cache_file._load_index():  # type: ignore[attr-defined]
                    function.compile(key[0])
            except Exception:  # noqa: BLE001 - an optimisation only
                continue


def _peer(conn: socket.socket) -> tuple[int, int]:
    """(pid, uid) of the process on the other end of a unix socket, as the OS tells it."""
    pid, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    return pid, uid


def _exit_with(pidfd: int) -> None:
    """Die with the requester (a forked kernel's parent is the zygote, so ipykernel cannot tell)."""
    select.select([pidfd], [], [])
    os._exit(1)


def _become_kernel(request: dict, fds: list[int], keep_closed: list[socket.socket | int], requester: int) -> None:
    """In the forked child: take the requester's streams, folder and environment, then run ipykernel."""
    try:
        os.setsid()
        for signum in (signal.SIGCHLD, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        for item in keep_closed:
            item.close() if isinstance(item, socket.socket) else os.close(item)
        devnull = os.open(os.devnull, os.O_RDONLY)
        for target, fd in zip((0, 1, 2), [devnull, *fds[1:3]], strict=True):
            os.dup2(fd, target)
        for fd in {devnull, *fds}:
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        threading.Thread(target=_exit_with, args=(os.pidfd_open(requester),), daemon=True).start()
        from importlib.util import find_spec

        from ipykernel import kernelapp

        launcher = find_spec("ipykernel_launcher")
        assert launcher is not None and launcher.origin is not None  # the zygote serves ipykernel commands
        sys.argv = [launcher.origin, *request["args"]]
        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 0
    except BaseException:  # noqa: BLE001 - the child must never return into the zygote's loop
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def serve(address: Path) -> None:
    """The zygote: import once, then fork a kernel per request until idle or stale."""
    lock = os.open(address.with_suffix(".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # another zygote for the same interpreter and environment is alive
    os.ftruncate(lock, 0)
    os.write(lock, f"{os.getpid()}\n".encode())
    if sys.path and sys.path[0] == os.getcwd():
        del sys.path[0]  # as ipykernel_launcher does before its imports
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    for name in PRELOAD:
        __import__(name)
    _load_compiled()
    files = _module_files()
    address.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(str(address))
    bound = os.stat(address).st_ino  # so we never remove a successor's socket
    listener.listen(16)
    listener.settimeout(IDLE_SECONDS)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel, never zombies
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # leave through `finally`: no socket left behind
    try:
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                return
            with conn:
                message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
                requester, uid = _peer(conn)
                stale = not _unchanged(files)
                reply: dict[str, str | int]
                if stale:  # make way for a fresh zygote before anyone is told to start one
                    _retire(address, bound, listener, lock)
                    reply = {"error": "stale"}
                elif uid != os.getuid() or len(fds) != 3:
                    reply = {"error": "refused"}
                else:
                    pid = os.fork()
                    if pid == 0:
                        _become_kernel(json.loads(message), fds, [listener, conn, lock], requester)
                    reply = {"pid": pid}
                conn.send(json.dumps(reply).encode())
                for fd in fds:
                    os.close(fd)
                if stale:
                    return
    finally:
        _retire(address, bound, listener, lock)


def _retire(address: Path, bound: int, listener: socket.socket, lock: int) -> None:
    if listener.fileno() >= 0:
        if address.exists() and os.stat(address).st_ino == bound:
            address.unlink()
        listener.close()
        os.close(lock)


def install(kernel_name: str) -> None:
    """Point an installed kernelspec at this provisioner (after ``ipykernel install``)."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec_file = Path(KernelSpecManager().get_kernel_spec(kernel_name).resource_dir) / "kernel.json"
    spec = json.loads(spec_file.read_text())
    spec.setdefault("metadata", {})["kernel_provisioner"] = {"provisioner_name": PROVISIONER}
    spec_file.write_text(json.dumps(spec, indent=1) + "\n")


if __name__ == "__main__":
    command, argument = sys.argv[1:3]
    {"serve": lambda: serve(Path(argument)), "install": lambda: install(argument)}[command]()

"""A one-node Slurm cluster on localhost from Debian's slurm-wlm and munge, for the Slurm sweep test.

Everything lives in a temporary folder: a 1 KB munge key and munged (run as the munge user) on
its own socket, slurm.conf (proctrack/linuxproc, task/none, SlurmUser=root, one node with this
machine's CPUs and memory, free ports), then slurmctld and slurmd in the foreground. Commands
find it through SLURM_CONF. Under CI=true anything missing or failing to start fails the test.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BINARIES = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "sinfo")


def missing(reason: str) -> None:
    """Fail under CI (the test command installs slurm-wlm and munge), skip elsewhere."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the README's test command must install slurm-wlm and munge)", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _memory_mb() -> int:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    return 1024


def _conf(tmp: Path, socket_path: Path) -> str:
    cpus = os.cpu_count() or 1
    ctl, node = _free_port(), _free_port()
    return "\n".join([
        "ClusterName=fmbench-test",
        "SlurmctldHost=localhost(127.0.0.1)",
        "SlurmUser=root",
        f"SlurmctldPort={ctl}",
        f"SlurmdPort={node}",
        "AuthType=auth/munge",
        "CredType=cred/munge",
        f"AuthInfo=socket={socket_path}",
        f"StateSaveLocation={tmp / 'state'}",
        f"SlurmdSpoolDir={tmp / 'spool'}",
        f"SlurmctldPidFile={tmp / 'slurmctld.pid'}",
        f"SlurmdPidFile={tmp / 'slurmd.pid'}",
        f"SlurmctldLogFile={tmp / 'slurmctld.log'}",
        f"SlurmdLogFile={tmp / 'slurmd.log'}",
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none",
        "SchedulerType=sched/backfill",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core",
        "ReturnToService=2",
        "MpiDefault=none",
        "SlurmdTimeout=60",
        "InactiveLimit=0",
        "KillWait=5",
        f"NodeName=localhost NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={_memory_mb()} State=UNKNOWN",
        "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP",
        "",
    ])


def _start_munge(tmp: Path) -> tuple[subprocess.Popen, Path]:
    munge = pwd.getpwnam("munge")
    mdir = tmp / "munge"
    mdir.mkdir(mode=0o700)
    key = mdir / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    for p in (mdir, key):
        os.chown(p, munge.pw_uid, munge.pw_gid)
    sock = mdir / "munge.socket"
    proc = subprocess.Popen(
        ["runuser", "-u", "munge", "--", "munged", "--foreground", "--force", f"--key-file={key}",
         f"--socket={sock}", f"--pid-file={mdir / 'munged.pid'}", f"--log-file={mdir / 'munged.log'}",
         f"--seed-file={mdir / 'munged.seed'}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _wait(lambda: sock.exists(), proc, "munged", mdir / "munged.log")
    return proc, sock


def _wait(ready, proc: subprocess.Popen, what: str, log: Path, timeout: float = 30) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-600:] if log.exists() else ""
    err = proc.stderr.read().decode(errors="replace")[-600:] if proc.poll() is not None and proc.stderr else ""
    raise RuntimeError(f"{what} did not start: {err} {tail}".strip())


def _node_idle(env: dict[str, str]) -> bool:
    out = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], capture_output=True, text=True, env=env, timeout=20)
    return out.returncode == 0 and out.stdout.strip().rstrip("*") in {"idle", "mixed", "allocated"}


@contextlib.contextmanager
def slurm_cluster() -> Iterator[dict[str, str]]:
    """Start munged, slurmctld and slurmd; yield the environment (SLURM_CONF) commands need."""
    absent = [b for b in BINARIES if shutil.which(b) is None]
    if absent:
        missing(f"Slurm/munge binaries not found: {', '.join(absent)} (apt-get install slurm-wlm munge)")
    if os.geteuid() != 0:
        missing("the one-node Slurm cluster of the tests runs slurmd, which needs root")
    try:
        pwd.getpwnam("munge")
    except KeyError:
        missing("no 'munge' user (apt-get install munge creates it)")
    tmp = Path(tempfile.mkdtemp(prefix="fmbench-slurm-"))
    tmp.chmod(0o755)
    procs: list[subprocess.Popen] = []
    try:
        for sub in ("state", "spool"):
            (tmp / sub).mkdir()
        munged, sock = _start_munge(tmp)
        procs.append(munged)
        conf = tmp / "slurm.conf"
        conf.write_text(_conf(tmp, sock))
        env = {**os.environ, "SLURM_CONF": str(conf)}
        ctld = subprocess.Popen(["slurmctld", "-D", "-i", "-f", str(conf)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        procs.append(ctld)
        node = subprocess.Popen(["slurmd", "-D", "-N", "localhost", "-f", str(conf)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        procs.append(node)
        _wait(lambda: _node_idle(env), node, "slurmd", tmp / "slurmd.log", timeout=60)
        yield env
    except RuntimeError as exc:
        logs = " | ".join(p.name + ": " + p.read_text(errors="replace")[-400:]
                          for p in (tmp / "slurmctld.log", tmp / "slurmd.log") if p.exists())
        pytest.fail(f"the one-node Slurm cluster did not start: {exc} {logs}", pytrace=False)
    finally:
        with contextlib.suppress(Exception):
            subprocess.run(["scancel", "--user=root"], env={**os.environ, "SLURM_CONF": str(tmp / "slurm.conf")},
                           capture_output=True, timeout=20)
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
        shutil.rmtree(tmp, ignore_errors=True)

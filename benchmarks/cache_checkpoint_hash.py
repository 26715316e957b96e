"""Cost of keying the output cache on a large checkpoint's content, with and without the sidecar.

A ``python_class`` model names a 1 GB ``.npy`` checkpoint in ``init_kwargs`` (it memory-maps
it and reads only a slice). Three ``fmbench run`` processes on a small k-fold suite:

1. first run: every fold computed, the checkpoint hashed (and remembered in the sidecar);
2. rerun: every fold from the cache, the checkpoint's hash from the sidecar (not read);
3. rerun with the sidecar deleted: every fold from the cache, the checkpoint read again.

Prints each run's wall seconds and peak RSS (the record's ``resources.peak_rss_mb``), then the
hashing throughput measured in-process. Optional to run (it writes ``--size-mb`` of random data
to a temporary folder); not a test.

    python benchmarks/cache_checkpoint_hash.py [--size-mb 1024] [--folder /tmp]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from fmbench.models.file_hashes import FileHashes
from fmbench.testing import make_catalog, read_eval, write_yaml

MODEL = '''
import numpy as np


class CheckpointScorer:
    def __init__(self, checkpoint):
        self.w = np.asarray(np.load(checkpoint, mmap_mode="r")[:3], dtype=float)  # a slice only

    def predict_proba(self, X):
        s = 1 / (1 + np.exp(-np.asarray(X, dtype=float)[:, :3] @ self.w))
        return np.column_stack([1 - s, s])
'''


def write_checkpoint(path: Path, size_mb: int) -> None:
    """A float32 .npy of ``size_mb`` MiB of random values, written through a file in 64 MiB blocks
    (a memory map would leave this process's peak RSS, which ``fmbench`` children inherit on
    Linux, at the checkpoint's size)."""
    n = size_mb * 2**20 // 4
    rng = np.random.default_rng(0)
    block = 16 * 2**20
    with open(path, "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, {"descr": "<f4", "fortran_order": False, "shape": (n,)})
        for lo in range(0, n, block):
            fh.write(rng.random(min(block, n - lo), dtype=np.float32).tobytes())


def timed_run(args: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one ``python -m fmbench`` process (its peak RSS is in its record)."""
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "fmbench", *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"fmbench {' '.join(args)} failed: {done.stderr}")
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--folder", type=Path, default=None, help="where the temporary files go")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="fmbench-bench-", dir=args.folder) as tmp:
        root = Path(tmp)
        rng = np.random.default_rng(1)
        X = rng.normal(size=(200, 8))
        cat = make_catalog(root, X, ["b" if v > 0 else "a" for v in X[:, 0]], protocol="classification",
                           split={"kind": "kfold", "n_folds": 5, "seed": 0})
        (root / "ckpt_scorer.py").write_text(MODEL)
        ckpt = root / "weights.npy"
        t = time.perf_counter()
        write_checkpoint(ckpt, args.size_mb)
        print(f"checkpoint: {ckpt.stat().st_size / 2**20:.0f} MiB written in {time.perf_counter() - t:.1f} s")
        cfg = write_yaml(root / "model.yaml", {"model_id": "ckpt", "type": "python_class",
                                               "import_path": "ckpt_scorer:CheckpointScorer",
                                               "init_kwargs": {"checkpoint": str(ckpt)}})
        time.sleep(2.5)  # a file changed in the last two seconds is not remembered (racy timestamps)
        cache = root / "cache"
        env = {**os.environ, "FMBENCH_CACHE": str(cache)}
        base = ["run", "--suite", "SUITE-FM-TEST", "--model", str(cfg), "--catalog", str(cat)]

        rows = []
        for label, out, drop_sidecar in (("first run (computes, hashes)", "one", False),
                                         ("rerun, hash from the sidecar", "two", False),
                                         ("rerun, sidecar deleted", "three", True)):
            if drop_sidecar:
                (cache / "outputs" / ".file-hashes.json").unlink(missing_ok=True)
            wall = timed_run([*base, "--out", str(root / out)], env)
            res = read_eval(root / out / "eval.yaml")["resources"]
            rows.append((label, wall, res["peak_rss_mb"], int(res["cache_hits"]), int(res["cache_misses"])))
        print(f"{'run':32s} {'wall s':>7s} {'peak RSS MB':>12s} {'hits':>5s} {'computed':>9s}")
        for label, wall, rss, hits, misses in rows:
            print(f"{label:32s} {wall:7.2f} {rss:12.0f} {hits:5d} {misses:9d}")

        hashes = FileHashes()
        t = time.perf_counter()
        hashes.file(ckpt)
        took = time.perf_counter() - t
        print(f"sha256 of the checkpoint in-process: {took:.2f} s "
              f"({hashes.read_bytes / 2**20 / took:.0f} MiB/s, 1 MiB blocks)")


if __name__ == "__main__":
    main()

"""Subprocess body for tests/test_reliability.py (processes that get killed or lose a worker).

Usage:
  python reliability_worker.py resume TREE CKPT_DIR SLEEP_S
      Iterates one epoch of a loader, resuming from the newest commit in CKPT_DIR if any.
      After every batch it commits ``commit_{step:04d}.npz`` = (state after the batch, the
      batch's example ids and images) atomically: temp file, fsync, rename, fsync of the
      folder. An example counts as seen iff its commit exists, so a batch computed but not
      committed when the process was killed is simply produced again after the resume.
  python reliability_worker.py worker_death TREE
      worker_count=2: SIGKILLs one grain worker process after the first batch, then keeps
      iterating; prints ``ERROR <type>: <message>`` when grain reports it.
  python reliability_worker.py worker_raise TREE
      worker_count=2 over a tree with a corrupt file: prints ``ERROR <type>: <message>``.
  python reliability_worker.py batches TREE OUT WORKERS
      Iterates one epoch with ``worker_count=WORKERS`` and saves every batch's images,
      labels and ids to OUT (an .npz): multiprocessing runs out of the test process.
"""

import glob
import json
import os
import signal
import sys
import time

import numpy as np

LOADER_KW = dict(seed=11, target_size=(8, 8), batch_size=3, num_epochs=1, return_ids=True)


def make_loader(tree, **kwargs):
    import jaxaug
    import jaxaug.grain

    args = dict(LOADER_KW, augment=jaxaug.AugmentConfig(rotation_range=20, horizontal_flip=True))
    args.update(kwargs)
    return jaxaug.grain.flow_from_directory(tree, **args)


def commit(directory, step, state, ids, images):
    """Writes the batch and the iterator state that follows it as ONE atomic file."""
    final = os.path.join(directory, f"commit_{step:04d}.npz")
    temp = final + ".tmp"
    with open(temp, "wb") as f:
        np.savez(f, state=json.dumps(state), ids=ids, images=images, step=step)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temp, final)  # atomic on POSIX: a reader sees the old set of commits or the new one
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)  # make the rename itself durable
    finally:
        os.close(fd)


def latest_commit(directory):
    commits = sorted(glob.glob(os.path.join(directory, "commit_*.npz")))
    if not commits:
        return None
    with np.load(commits[-1]) as last:
        return int(last["step"]), json.loads(str(last["state"]))


def resume_main(tree, directory, sleep_s):
    loader = make_loader(tree)
    it = iter(loader)
    step = 0
    last = latest_commit(directory)
    if last is not None:
        step, state = last[0] + 1, last[1]
        it.set_state(state)
    for images, _, ids in it:
        commit(directory, step, it.get_state(), ids, np.asarray(images))
        step += 1
        time.sleep(sleep_s)  # gives the parent time to kill us mid-epoch
    print("DONE", step, flush=True)


def grain_workers():
    """Pids of this process's grain worker processes (spawned children running spawn_main)."""
    me = str(os.getpid())
    pids = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(stat.replace("stat", "cmdline"), "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if fields[1] == me and b"spawn_main" in cmdline:  # fields[1] is the parent pid
            pids.append(int(stat.split("/")[2]))
    return pids


def report(err):
    print(f"ERROR {type(err).__name__}: {err}", flush=True)


def worker_death_main(tree):
    loader = make_loader(tree, worker_count=2, num_epochs=None)
    it = iter(loader)
    next(it)
    pids = grain_workers()
    print("WORKERS", len(pids), flush=True)
    os.kill(pids[0], signal.SIGKILL)
    try:
        for _ in range(1000):  # endless loader: only an error can end this loop early
            next(it)
        print("NO ERROR", flush=True)
    except Exception as err:  # noqa: BLE001 - report whatever grain raises
        report(err)


def worker_raise_main(tree):
    loader = make_loader(tree, worker_count=2, shuffle=False)
    try:
        for _ in loader:
            pass
        print("NO ERROR", flush=True)
    except Exception as err:  # noqa: BLE001
        report(err)


def batches_main(tree, out, workers):
    batches = list(make_loader(tree, worker_count=workers))
    np.savez(
        out,
        images=np.concatenate([np.asarray(b[0]) for b in batches]),
        labels=np.concatenate([np.asarray(b[1]) for b in batches]),
        ids=np.concatenate([np.asarray(b[2]) for b in batches]),
    )
    print("DONE", len(batches), flush=True)


if __name__ == "__main__":  # spawned grain workers import this file as __mp_main__: nothing runs there
    mode = sys.argv[1]
    if mode == "batches":
        batches_main(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif mode == "resume":
        resume_main(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif mode == "worker_death":
        worker_death_main(sys.argv[2])
    else:
        worker_raise_main(sys.argv[2])

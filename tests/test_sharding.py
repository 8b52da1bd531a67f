"""Sharded augmentation: same bits on 1, 2 and 4 devices and on 2 processes, no collectives."""

import functools
import os
import socket
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

import jaxaug
from tests import sharding_worker

WORKER = str(Path(sharding_worker.__file__))
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
# Bit-identity across device counts is a claim about the programs users compile: full optimisation.
pytestmark = pytest.mark.optimized


@pytest.fixture(scope="module")
def reference():
    """The unsharded single-device result: the oracle every sharded run must equal bit for bit."""
    images, ids = sharding_worker.dataset()
    out = {}
    for name, config in (("out", sharding_worker.CONFIG), ("catalogue", sharding_worker.CATALOGUE)):
        augment = jax.jit(functools.partial(jaxaug.augment, config=config))
        out[name] = np.asarray(augment(jax.random.key(7), images, example_ids=ids))
    return out


@pytest.mark.parametrize("devices", [2, 4])  # 1 device is the in-process reference itself
def test_forced_host_devices_are_bit_identical(devices, reference, tmp_path):
    out = tmp_path / "out.npz"
    subprocess.run([sys.executable, WORKER, "devices", str(devices), out], env=ENV, check=True, timeout=300)
    result = np.load(out)
    np.testing.assert_array_equal(result["out"], reference["out"])
    np.testing.assert_array_equal(result["catalogue"], reference["catalogue"])
    assert bool(result["same_sharding"]) and int(result["shards"]) == devices
    assert str(result["collectives"]) == "", f"collectives in the compiled program: {result['collectives']}"
    assert bool(result["indivisible_error"])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_processes_under_jax_distributed(reference, tmp_path):
    port = free_port()
    outs = [tmp_path / f"p{i}.npz" for i in range(2)]
    procs = [
        subprocess.Popen([sys.executable, WORKER, "distributed", str(i), "2", str(port), outs[i]], env=ENV)
        for i in range(2)
    ]
    try:
        codes = [p.wait(timeout=240) for p in procs]
    finally:
        for p in procs:  # never leave a process behind, whatever happened
            if p.poll() is None:
                p.kill()
                p.wait()
    assert codes == [0, 0]
    for i, path in enumerate(outs):
        result = np.load(path)
        assert int(result["devices"]) == 4  # 2 processes x 2 devices
        start = int(result["start"])
        np.testing.assert_array_equal(result["out"], reference["out"][start : start + len(result["out"])])
        assert start == 4 * i


def test_single_device_helpers():
    sharding = jaxaug.data_sharding()
    batch = jaxaug.make_global_batch({"x": np.ones((3, 2))}, sharding)  # 1 local device: anything divides
    assert batch["x"].shape == (3, 2) and isinstance(batch["x"], jax.Array)
    with pytest.raises(ValueError, match="axis_name"):
        jaxaug.data_sharding(axis_name="batch", mesh=jax.make_mesh((1,), ("data",)))

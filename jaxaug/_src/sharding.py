"""Data-parallel batches on JAX's own machinery: NamedSharding and process-local assembly.

``augment`` needs nothing special to run sharded: given a batch sharded along dim 0 it
returns the same sharding, the compiled program has no collectives, and because keys
come from GLOBAL example ids (``example_keys``) and 3x3 products are explicit
multiply-adds, every example is bit-identical on 1, 2 or N devices and hosts. These
helpers only build the shardings and global arrays.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

_AUTO = jax.sharding.AxisType.Auto


def data_sharding(mesh: Mesh | None = None, axis_name: str = "data") -> NamedSharding:
    """A ``NamedSharding`` that splits dim 0 (the batch) over a 1-D device mesh.

    Args:
        mesh: a mesh to use; by default one axis over ALL devices of all processes, of
            type ``AxisType.Auto`` (XLA propagates the sharding). Use Auto axes:
            ``mixup`` and ``cutmix`` also take batches sharded over ``Explicit`` axes,
            but ``augment`` and the policies do not yet (JAX refuses their ``vmap``
            over a batch sharded differently from its per-example draws).
        axis_name: the mesh axis the batch is split over.

    Examples:
        >>> import jaxaug
        >>> sharding = jaxaug.data_sharding()
        >>> tuple(sharding.spec)
        ('data',)
    """
    if mesh is None:
        # Auto axes: XLA propagates the batch sharding through every op (gathers, scans and
        # reshapes of the spline prefilter and the histograms need no sharding annotations).
        mesh = jax.make_mesh((jax.device_count(),), (axis_name,), axis_types=(_AUTO,))
    if axis_name not in mesh.axis_names:
        raise ValueError(f"`axis_name` {axis_name!r} is not an axis of the mesh; axes are {mesh.axis_names}.")
    return NamedSharding(mesh, PartitionSpec(axis_name))


def make_global_batch(local_batch: Any, sharding: NamedSharding) -> Any:
    """Assembles this process's part of a batch into global ``jax.Array``s (every leaf).

    In a single process this is ``jax.device_put(local_batch, sharding)``. Under
    ``jax.distributed`` each process passes the rows it loaded (e.g. from a grain
    loader sharded with ``ShardByJaxProcess``) and gets the global array back, built
    with ``jax.make_array_from_process_local_data``.

    Args:
        local_batch: a pytree of arrays whose leading dimension is the local batch.
        sharding: a sharding from :func:`data_sharding`.

    Raises:
        ValueError: a leaf's local batch is not divisible by the local device count.
    """
    local_devices = len(sharding.addressable_devices)

    def one(x):
        x = np.asarray(x) if not isinstance(x, jax.Array) else x
        if x.ndim == 0 or x.shape[0] % local_devices:
            raise ValueError(
                f"The per-process batch ({x.shape[0] if x.ndim else 'scalar'}) must be divisible by the number of "
                f"local devices ({local_devices}); use drop_remainder=True and a batch size that is a multiple of it."
            )
        return jax.make_array_from_process_local_data(sharding, x)

    return jax.tree.map(one, local_batch)

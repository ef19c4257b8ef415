"""``ember.nn.functional``: activations, dropout, convolutions, pooling, normalization, embeddings, losses,
distances, resampling and padding, attention.

The dtypes are those PyTorch's CPU kernels take (probed on torch 2.13): most of the family takes floats
only (half precision included); ``relu``, ``hardtanh``, ``softsign``, padding, pixel shuffles, nearest
resampling and max pooling take integers too. Inputs are tiny NCL/NCHW tensors (the jax backend compiles
every shape), with the edges that matter to each op: empty batches, unbatched inputs, strided views,
NaN and infinities in pooled windows and in losses, ties in max pooling, every reduction of a loss.

Random ops (dropouts, ``rrelu`` in training, ``gumbel_softmax``, fractional max pooling without its
``_random_samples``) are compared by value where they are deterministic (``p=0``, ``p=1``,
``training=False``, given samples), and by shape and dtype only where they draw: a second entry,
named ``<op> (random)``, holds those samples.

One module per group of ops: ``activation`` (with dropout and the random ops), ``normalization`` (with linear
layers and embeddings), ``conv_pool``, ``loss`` (with distances) and ``vision`` (padding, resampling, shuffles,
attention); ``_common`` holds the dtype groups, generators and Hypothesis strategies they share.
"""

from __future__ import annotations

from .._core import OpInfo
from .activation import ACTIVATIONS, DROPOUT, RANDOM
from .conv_pool import CONV, POOLING
from .loss import DISTANCES, LOSSES
from .normalization import LINEAR, NORMALIZATION
from .vision import ATTENTION, VISION

OPS: list[OpInfo] = [*ACTIVATIONS, *DROPOUT, *NORMALIZATION, *LINEAR, *CONV, *POOLING, *LOSSES, *DISTANCES, *VISION,
                     *ATTENTION, *RANDOM]

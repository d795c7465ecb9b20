"""HDF5 shards and the dataset index; ``synthrm.dataset.torch_dataset.SynthRMDataset`` is
a ``torch.utils.data.Dataset`` over them (it loads torch)."""
from synthrm.dataset.hdf5 import (
    ShardWriter,
    dataset_kind,
    list_samples,
    read_index,
    read_sample,
    shard_path,
)

__all__ = ["ShardWriter", "dataset_kind", "read_sample", "list_samples", "read_index", "shard_path"]

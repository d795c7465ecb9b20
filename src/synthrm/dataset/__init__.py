"""HDF5 shards, the dataset index, and a ``torch.utils.data.Dataset`` over them."""
from synthrm.dataset.hdf5 import (
    ShardWriter,
    dataset_kind,
    list_samples,
    read_index,
    read_sample,
    shard_path,
)

__all__ = ["ShardWriter", "dataset_kind", "read_sample", "list_samples", "read_index", "shard_path",
           "SynthRMDataset"]


def __getattr__(name):  # torch is heavy: import it only when the Dataset is used
    if name == "SynthRMDataset":
        from synthrm.dataset.torch_dataset import SynthRMDataset

        return SynthRMDataset
    raise AttributeError(name)

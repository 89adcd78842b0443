"""Datasets, their self-descriptions and their batch streams."""

from gankit.data.batch import Batch, DataSpec
from gankit.data.build import build_stream
from gankit.data.source import Source, build_source, data_spec, held_out_source
from gankit.data.stream import BatchStream, ZipStream

__all__ = ["Batch", "BatchStream", "DataSpec", "Source", "ZipStream", "build_source",
           "build_stream", "data_spec", "held_out_source"]

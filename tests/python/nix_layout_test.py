"""The C++ NIX writer's files, checked with h5py against the layout that
neo.io.NixIO reads (shared/reference/neo-nix-grpc.md). neo's NixIO needs
nixpy, which Debian does not package, so the last test rebuilds the Neo
objects from the file the way NixIO does, with h5py and neo's classes.

The file is written by //server:nix_example; EXPECTED_* below restate the
formulas in server/nix_example.cc."""

import os
import subprocess
import sys
import tempfile
import uuid
from datetime import datetime

import h5py
import numpy as np
import pytest

FIRST_ID = 101
SAMPLES = 5
BLOCK_DESCRIPTION = "Population pop of 12 IF_cond_exp neurons"
BLOCK_ANNOTATIONS = {"size": 12, "first_id": FIRST_ID, "label": "pop", "simulator": "spikeserve",
                     "dt": 0.1, "mpi_processes": 1, "excitatory": True}
SEGMENT_ANNOTATIONS = [{"trial": 1, "stimulus": "flash"}, {}]
CREATION_ORDER = h5py.h5p.CRT_ORDER_TRACKED | h5py.h5p.CRT_ORDER_INDEXED


def expected_signals(segment):
    """(name, units, dtype, values[sample, channel]) in the segment's order."""
    def values(channels):
        k, c = np.meshgrid(np.arange(SAMPLES), np.arange(channels), indexing="ij")
        return 1000.0 * segment + 10.0 * c + 0.25 * k
    return [("v", "mV", np.float32 if segment == 1 else np.float64,
             values(3 if segment == 0 else 12)),
            ("gsyn_exc", "uS", np.float32 if segment == 0 else np.float64, values(12))]


def expected_spike_times(index):
    return [1.0 + index + 0.5 * j for j in range(index)]


def example_binary():
    """//server:nix_example under Bazel (runfiles), else bazel-bin."""
    candidates = [os.environ.get("NIX_EXAMPLE_BINARY", "")]
    for root in (os.environ.get("TEST_SRCDIR", ""), os.environ.get("RUNFILES_DIR", "")):
        if root:
            candidates.append(os.path.join(root, "spikeserve", "server", "nix_example"))
    candidates += ["server/nix_example", "bazel-bin/server/nix_example"]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    raise FileNotFoundError("nix_example not found; build //server:nix_example")


@pytest.fixture(scope="module")
def nix_file():
    directory = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    path = os.path.join(directory, "example.nix")
    subprocess.run([example_binary(), path], check=True)
    with h5py.File(path, "r") as f:
        yield f


def links_in_creation_order(group):
    """Link names the way nixpy indexes them (Container.__getitem__)."""
    names = []
    group.id.links.iterate(lambda name: names.append(name.decode()),
                           idx_type=h5py.h5.INDEX_CRT_ORDER)
    # nixpy's plain iteration (h5py's) must agree.
    assert list(group) == names
    return names


def prop(section, name):
    """A property's value as neo reads it: one value, or all of them."""
    values = list(section["properties"][name][()])
    values = [v.decode() if isinstance(v, bytes) else v for v in values]
    return values[0] if len(values) == 1 else values


def block_of(f):
    names = links_in_creation_order(f["data"])
    assert len(names) == 1
    return f["data"][names[0]]


def segments_of(f):
    block = block_of(f)
    return [block["groups"][name] for name in links_in_creation_order(block["groups"])]


def is_uuid4(text):
    try:
        return uuid.UUID(text).version == 4 and str(uuid.UUID(text)) == text
    except ValueError:
        return False


def parses_as_timestamp(text):
    return datetime.strptime(text, "%Y%m%dT%H%M%S") is not None


def test_root_carries_the_nix_header(nix_file):
    attrs = nix_file.attrs
    assert attrs["format"] == "nix"
    assert attrs["version"].dtype == np.int32
    assert list(attrs["version"]) == [1, 2, 1]
    assert is_uuid4(attrs["id"])
    assert parses_as_timestamp(attrs["created_at"])
    assert parses_as_timestamp(attrs["updated_at"])
    assert links_in_creation_order(nix_file) == ["data", "metadata"]
    neo = nix_file["metadata"]["neo"]
    assert neo.attrs["type"] == "neo.metadata"
    assert prop(neo, "version") == "0.11.1"


def test_every_group_tracks_and_indexes_link_creation_order(nix_file):
    groups = [nix_file["/"]]
    nix_file.visititems(lambda name, obj: groups.append(obj)
                        if isinstance(obj, h5py.Group) else None)
    assert len(groups) > 50
    for group in groups:
        order = group.id.get_create_plist().get_link_creation_order()
        assert order == CREATION_ORDER, group.name


def test_every_entity_has_its_own_uuid_and_timestamps(nix_file):
    entities = []
    nix_file.visititems(lambda name, obj: entities.append(obj) if "name" in obj.attrs else None)
    ids = set()
    for entity in entities:
        # Scalar variable-length strings come back as str.
        assert all(isinstance(value, str) for value in entity.attrs.values()), entity.name
        assert is_uuid4(entity.attrs["entity_id"]), entity.name
        assert parses_as_timestamp(entity.attrs["created_at"]), entity.name
        assert parses_as_timestamp(entity.attrs["updated_at"]), entity.name
        ids.add(entity.attrs["entity_id"])
    assert len(ids) == len(entities) > 100


def test_block_and_segments_carry_names_descriptions_and_annotations(nix_file):
    block = block_of(nix_file)
    assert block.name.split("/")[-1].startswith("neo.block.")
    assert block.attrs["type"] == "neo.block"
    assert block.attrs["definition"] == BLOCK_DESCRIPTION
    section = nix_file["metadata"][block.attrs["name"]]
    assert block["metadata"] == section
    assert section.attrs["type"] == "neo.block.metadata"
    assert prop(section, "neo_name") == "pop"
    numpy_types = {bool: np.bool_, int: np.int64, float: np.float64, str: str}
    for key, value in BLOCK_ANNOTATIONS.items():
        assert prop(section, key) == value, key
        assert type(prop(section, key)) is numpy_types[type(value)], key

    segments = segments_of(nix_file)
    assert links_in_creation_order(section["sections"]) == \
        [segment.attrs["name"] for segment in segments]
    for index, segment in enumerate(segments):
        assert segment.attrs["type"] == "neo.segment"
        assert segment.attrs["definition"] == BLOCK_DESCRIPTION
        segment_section = section["sections"][segment.attrs["name"]]
        assert segment["metadata"] == segment_section
        assert segment_section.attrs["type"] == "neo.segment.metadata"
        assert prop(segment_section, "neo_name") == f"segment00{index}"
        names = set(segment_section["properties"]) - {"neo_name"}
        assert {name: prop(segment_section, name) for name in names} == \
            SEGMENT_ANNOTATIONS[index]


def test_signals_are_one_data_array_per_channel_in_channel_order(nix_file):
    block = block_of(nix_file)
    for index, segment in enumerate(segments_of(nix_file)):
        links = segment["data_arrays"]
        arrays = [links[link] for link in links_in_creation_order(links)]
        for link, array in zip(links_in_creation_order(links), arrays):
            # Groups link by entity id to the DataArrays that live in the Block.
            assert array.attrs["entity_id"] == link
            assert block["data_arrays"][array.attrs["name"]] == array
        bases = []
        for array in arrays:
            base = array.attrs["name"].rsplit(".", 1)[0]
            if base not in bases:
                bases.append(base)
        assert len(bases) == 2
        for base, (name, units, dtype, values) in zip(bases, expected_signals(index)):
            assert base.startswith("neo.analogsignal.")
            channels = [a for a in arrays if a.attrs["name"].rsplit(".", 1)[0] == base]
            assert [a.attrs["name"] for a in channels] == \
                [f"{base}.{c}" for c in range(values.shape[1])]
            section = nix_file["metadata"][block.attrs["name"]]["sections"][
                segment.attrs["name"]]["sections"][base]
            for channel, array in enumerate(channels):
                assert array.attrs["type"] == "neo.analogsignal"
                assert array.attrs["unit"] == units
                assert array["data"].dtype == dtype
                np.testing.assert_array_equal(array["data"][()], values[:, channel])
                assert links_in_creation_order(array["dimensions"]) == ["1"]
                time = array["dimensions"]["1"].attrs
                assert time["dimension_type"] == "sample"
                assert time["sampling_interval"] == 0.1
                assert time["offset"] == 0.0
                assert time["unit"] == "ms"
                assert time["label"] == "time"
                assert array["metadata"] == section
            assert section.attrs["name"] == base
            assert section.attrs["type"] == "neo.analogsignal.metadata"
            assert prop(section, "neo_name") == name
            assert prop(section, "t_start") == 0.0
            assert section["properties"]["t_start"].attrs["unit"] == "ms"
            channel_count = values.shape[1]
            assert prop(section, "source_ids") == list(range(FIRST_ID, FIRST_ID + channel_count))
            assert "type" not in section["properties"]["source_ids"].attrs
            assert prop(section, "channel_index") == list(range(channel_count))
            assert section["properties"]["channel_index"].attrs["type"] == "ARRAYANNOTATION"
            assert prop(section, "source_population") == "pop"


def test_spike_trains_are_multi_tags_with_times_and_metadata(nix_file):
    block = block_of(nix_file)
    for segment in segments_of(nix_file):
        links = segment["multi_tags"]
        names = links_in_creation_order(links)
        assert len(names) == 3
        for index, link in enumerate(names):
            tag = links[link]
            assert tag.attrs["entity_id"] == link
            assert tag.attrs["type"] == "neo.spiketrain"
            name = tag.attrs["name"]
            assert name.startswith("neo.spiketrain.")
            assert block["multi_tags"][name] == tag
            positions = tag["positions"]
            assert block["data_arrays"][name + ".times"] == positions
            assert positions.attrs["type"] == "neo.spiketrain.times"
            assert positions.attrs["unit"] == "ms"
            assert positions["data"].dtype == np.float64
            assert list(positions["data"][()]) == expected_spike_times(index)
            section = nix_file["metadata"][block.attrs["name"]]["sections"][
                segment.attrs["name"]]["sections"][name]
            assert tag["metadata"] == section
            assert section.attrs["type"] == "neo.spiketrain.metadata"
            assert prop(section, "neo_name") == ""
            assert (prop(section, "t_start"), prop(section, "t_stop")) == (0.0, 10.0)
            assert section["properties"]["t_start"].attrs["unit"] == "ms"
            assert section["properties"]["t_stop"].attrs["unit"] == "ms"
            assert prop(section, "source_population") == "pop"
            assert prop(section, "channel_id") == FIRST_ID + index


def read_like_neo(f):
    """neo.io.NixIO._nix_to_neo_block (neo 0.11.1), with h5py for nixpy."""
    neo = pytest.importorskip("neo")
    import quantities as pq

    def attributes(obj):
        result = {"description": obj.attrs.get("definition")}
        arrays = {}
        for name, dataset in obj["metadata"]["properties"].items():
            value = prop(obj["metadata"], name)
            if "unit" in dataset.attrs:
                value = pq.Quantity(value, dataset.attrs["unit"])
            if dataset.attrs.get("type") == "ARRAYANNOTATION":
                arrays[name] = np.asarray(value)
            else:
                result[name] = value
        if arrays:
            result["array_annotations"] = arrays
        result["name"] = result.pop("neo_name")
        return result

    block_group = block_of(f)
    block = neo.Block(**attributes(block_group))
    for group in segments_of(f):
        segment = neo.Segment(**attributes(group))
        arrays = [group["data_arrays"][link]
                  for link in links_in_creation_order(group["data_arrays"])]
        bases = {}
        for array in arrays:
            bases.setdefault(array.attrs["name"].rsplit(".", 1)[0], []).append(array)
        for channels in bases.values():
            signal_attributes = attributes(channels[0])
            time = channels[0]["dimensions"]["1"].attrs
            segment.analogsignals.append(neo.AnalogSignal(
                np.array([a["data"][()] for a in channels]).transpose(),
                units=channels[0].attrs["unit"],
                sampling_period=pq.Quantity(time["sampling_interval"], time["unit"]),
                t_start=signal_attributes.pop("t_start"), **signal_attributes))
        for link in links_in_creation_order(group["multi_tags"]):
            tag = group["multi_tags"][link]
            segment.spiketrains.append(neo.SpikeTrain(
                pq.Quantity(tag["positions"]["data"][()], tag["positions"].attrs["unit"]),
                **attributes(tag)))
        block.segments.append(segment)
    return block


def test_neo_objects_rebuilt_as_nixio_does_match_the_recording(nix_file):
    block = read_like_neo(nix_file)
    assert block.name == "pop"
    assert block.description == BLOCK_DESCRIPTION
    assert {k: block.annotations[k] for k in BLOCK_ANNOTATIONS} == BLOCK_ANNOTATIONS
    assert [segment.name for segment in block.segments] == ["segment000", "segment001"]
    for index, segment in enumerate(block.segments):
        assert {k: v for k, v in segment.annotations.items()} == SEGMENT_ANNOTATIONS[index]
        for signal, (name, units, dtype, values) in zip(segment.analogsignals,
                                                        expected_signals(index)):
            assert signal.name == name
            assert signal.units.dimensionality.string == units
            assert signal.dtype == dtype
            np.testing.assert_array_equal(signal.magnitude, values)
            assert float(signal.sampling_period.rescale("ms")) == 0.1
            assert float(signal.t_start.rescale("ms")) == 0.0
            np.testing.assert_array_equal(signal.array_annotations["channel_index"],
                                          np.arange(values.shape[1]))
            assert signal.annotations["source_population"] == "pop"
        for train_index, train in enumerate(segment.spiketrains):
            assert list(train.rescale("ms").magnitude) == expected_spike_times(train_index)
            assert float(train.t_stop.rescale("ms")) == 10.0
            assert train.annotations == {"source_population": "pop",
                                         "channel_id": FIRST_ID + train_index}


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v", "-p", "no:cacheprovider"]))

"""GetData's chunks read without copying their bulk bytes.

grpcio hands each received message to Python as one bytes object. Parsing it
with protobuf copies every bytes field twice more: into the C++ message, and
into a new Python bytes at each read of the field. `parse_data_chunk` parses
the message with its bulk fields left out and returns those as memoryviews of
the received bytes, so a signal's values reach their final numpy array with
one copy (spikeserve.data.Assembler makes it).

Only as much of the protobuf wire format is read as finds the bulk fields:
the oneof submessage of a DataChunk and its `bytes` fields.
"""

from spikeserve.v1 import data_pb2

_VARINT, _FIXED64, _LENGTH_DELIMITED, _FIXED32 = 0, 1, 2, 5


class MalformedMessage(Exception):
    """The bytes are not a well-formed protobuf message."""


def _bulk_fields():
    """{DataChunk field number: {bulk field number: name}} from the descriptors,
    so that a field added to the protocol is taken as a view without a change here."""
    table = {}
    for chunk_field in data_pb2.DataChunk.DESCRIPTOR.oneofs_by_name["chunk"].fields:
        names = {field.number: field.name for field in chunk_field.message_type.fields
                 if field.type == field.TYPE_BYTES}
        if names:
            table[chunk_field.number] = (chunk_field.name, names)
    return table


_BULK_FIELDS = _bulk_fields()
# The DataChunk kinds (oneof field names) that have bulk fields.
BULK_KINDS = frozenset(kind for kind, _ in _BULK_FIELDS.values())


def _varint(buffer, position):
    result = shift = 0
    while True:
        if position >= len(buffer):
            raise MalformedMessage("a varint runs past the end of the message")
        byte = buffer[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, position
        shift += 7


def _fields(buffer, start, end):
    """(number, wire type, tag start, value start, value end) of each field of buffer[start:end]."""
    position = start
    while position < end:
        tag_start = position
        key, position = _varint(buffer, position)
        number, wire_type = key >> 3, key & 7
        if wire_type == _VARINT:
            value_start = position
            _, value_end = _varint(buffer, position)
        elif wire_type == _LENGTH_DELIMITED:
            length, value_start = _varint(buffer, position)
            value_end = value_start + length
        elif wire_type in (_FIXED64, _FIXED32):
            value_start = position
            value_end = position + (8 if wire_type == _FIXED64 else 4)
        else:
            raise MalformedMessage(f"field {number} has wire type {wire_type}, "
                                   "which no DataChunk field uses")
        if value_end > end:
            raise MalformedMessage(f"field {number} runs past the end of its message")
        yield number, wire_type, tag_start, value_start, value_end
        position = value_end


def parse_data_chunk(raw):
    """(DataChunk without its bulk bytes fields, {field name: memoryview of `raw`}).

    A chunk kind without bulk fields comes back parsed whole, with an empty dict.
    """
    for number, wire_type, tag_start, value_start, value_end in _fields(raw, 0, len(raw)):
        if wire_type != _LENGTH_DELIMITED or number not in _BULK_FIELDS:
            continue
        kind, bulk_names = _BULK_FIELDS[number]
        view = memoryview(raw)
        kept, bulk = [], {}
        for inner_number, inner_type, inner_tag, inner_start, inner_end in _fields(
                raw, value_start, value_end):
            if inner_type == _LENGTH_DELIMITED and inner_number in bulk_names:
                bulk[bulk_names[inner_number]] = view[inner_start:inner_end]
            else:
                kept.append(raw[inner_tag:inner_end])
        message = data_pb2.DataChunk.FromString(raw[:tag_start] + raw[value_end:])
        submessage = getattr(message, kind)
        submessage.MergeFromString(b"".join(kept))
        submessage.SetInParent()
        return message, bulk
    return data_pb2.DataChunk.FromString(raw), {}

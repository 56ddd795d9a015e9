"""A session on a spikeserve server: PyNN's setup() ... end() as an object.

Every method is one RPC (or one stream); failures raise
spikeserve.errors.SpikeserveError with the server's field and reason code.
"""

import os

import grpc
import grpc.experimental
import numpy as np

from spikeserve import ADDRESS_VARIABLE, DEFAULT_ADDRESS, data, heap, values, wire
from spikeserve.errors import SpikeserveError, from_rpc_error
from spikeserve.live import LiveRun
from spikeserve.v1 import data_pb2, network_pb2, simulator_pb2, simulator_pb2_grpc

# Unary calls that take longer than this have gone wrong; streams (Run,
# GetData, ...) have no deadline and rely on cancellation.
UNARY_TIMEOUT_S = 300.0
UPLOAD_CHUNK_BYTES = 1 << 20


def _applied(info):
    return {name: values.from_proto(value) for name, value in info.parameters.items()}


def _method_path(name):
    """The gRPC path of a Simulator method, e.g. /spikeserve.v1.Simulator/GetData."""
    service = simulator_pb2.DESCRIPTOR.services_by_name["Simulator"]
    return f"/{service.full_name}/{service.methods_by_name[name].name}"


def resolve_address(address=None):
    """The address to use: the argument, else $SPIKESERVE_ADDRESS, else localhost:50051."""
    return address or os.environ.get(ADDRESS_VARIABLE) or DEFAULT_ADDRESS



class Session:
    """One simulation session. Use as a context manager, or call close()."""

    def __init__(self, address=None, timestep=0.1, min_delay=0.0, max_delay=0.0, seed=0, label="",
                 threads=0, connect_timeout_s=10.0, channel_options=()):
        """`channel_options`: extra gRPC channel arguments, e.g. flow-control windows."""
        self.address = resolve_address(address)
        heap.keep_freed_memory()
        # Single-threaded unary-stream calls: the thread that iterates a
        # stream (Run, GetData, ...) drives it itself instead of waiting for
        # grpcio's channel thread to hand each message over, which cost about
        # 500 us per stream on loopback (bench/RESULTS.md, Session 4).
        self._channel = grpc.insecure_channel(
            self.address, options=[("grpc.keepalive_time_ms", 60_000),
                                   (grpc.experimental.ChannelOptions.SingleThreadedUnaryStream, 1),
                                   *channel_options])
        try:
            grpc.channel_ready_future(self._channel).result(timeout=connect_timeout_s)
        except grpc.FutureTimeoutError:
            self._channel.close()
            raise ConnectionError(
                f"no spikeserve server answers at {self.address} (start one with "
                f"tools/run_server.sh, or set {ADDRESS_VARIABLE})") from None
        self._stub = simulator_pb2_grpc.SimulatorStub(self._channel)
        # GetData's chunks keep their bulk bytes as views (spikeserve.wire).
        self._get_data_views = self._channel.unary_stream(
            _method_path("GetData"),
            request_serializer=simulator_pb2.GetDataRequest.SerializeToString,
            response_deserializer=wire.parse_data_chunk)
        description = self._call(self._stub.CreateSession, simulator_pb2.CreateSessionRequest(
            timestep_ms=timestep, min_delay_ms=min_delay, max_delay_ms=max_delay, seed=seed,
            label=label, threads=threads))
        self.id = description.session_id
        self.description = description
        self.t = 0.0
        self.num_segments = description.num_segments
        self._closed = False

    # --- plumbing ----------------------------------------------------------

    def _call(self, method, request):
        try:
            return method(request, timeout=UNARY_TIMEOUT_S)
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None

    def _stream(self, method, request):
        try:
            yield from method(request)
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None

    def upload(self, payload):
        """Sends `payload` (bytes) in chunks; returns its upload id."""
        session_id = self.id

        def chunks():
            for offset in range(0, max(len(payload), 1), UPLOAD_CHUNK_BYTES):
                yield simulator_pb2.UploadChunk(session_id=session_id,
                                                data=payload[offset:offset + UPLOAD_CHUNK_BYTES])
        try:
            return self._stub.Upload(chunks(), timeout=UNARY_TIMEOUT_S).upload_id
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None

    def _fill(self, message_map, parameters):
        """Copies {name: Python value} into a map<string, ParameterValue> field."""
        for name, value in (parameters or {}).items():
            message_map[name].CopyFrom(values.to_proto(value, upload=self.upload))

    # --- session -----------------------------------------------------------

    def close(self):
        if self._closed:
            return
        self._closed = True
        try:
            self._stub.CloseSession(simulator_pb2.CloseSessionRequest(session_id=self.id),
                                    timeout=10.0)
        except grpc.RpcError:
            pass  # the server may already be gone; the session expires there anyway
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def describe(self):
        return self._call(self._stub.DescribeSession,
                          simulator_pb2.DescribeSessionRequest(session_id=self.id))

    def capabilities(self):
        return self._call(self._stub.GetCapabilities, simulator_pb2.GetCapabilitiesRequest())

    # --- populations -------------------------------------------------------

    def create_population(self, size, cell_type, parameters=None, initial_values=None,
                          label="", structure=None):
        """Returns PopulationInfo (population_id, first_id, size, label).

        `structure`: (name, {parameter: value}) or, for RandomStructure,
        (name, parameters, boundary, seed), e.g.
        ("RandomStructure", {"radius": 100.0}, "Sphere", 42)."""
        request = simulator_pb2.CreatePopulationRequest(
            session_id=self.id, size=size, cell_type=cell_type, label=label)
        self._fill(request.parameters, parameters)
        self._fill(request.initial_values, initial_values)
        if structure is not None:
            name, structure_parameters, *random = structure
            request.structure.name = name
            request.structure.parameters.update(
                {k: float(v) for k, v in structure_parameters.items()})
            if random:
                request.structure.boundary, request.structure.seed = random
        return self._call(self._stub.CreatePopulation, request)

    def get_positions(self, cells):
        """An (n, 3) array of x, y, z (um) of the selected cells."""
        request = simulator_pb2.GetPositionsRequest(session_id=self.id, cells=cells.to_proto())
        parts = [np.frombuffer(chunk.xyz_f64le, dtype="<f8")
                 for chunk in self._stream(self._stub.GetPositions, request)]
        flat = np.concatenate(parts) if parts else np.empty(0)
        return flat.reshape(-1, 3)

    def set_positions(self, cells, xyz):
        """Sets the positions (um) of the selected cells from an (n, 3) array."""
        request = simulator_pb2.SetPositionsRequest(session_id=self.id, cells=cells.to_proto())
        payload = values.float64_bytes(np.asarray(xyz, dtype=float).reshape(-1, 3))
        if len(payload) > values.UPLOAD_THRESHOLD_BYTES:
            request.xyz_upload_id = self.upload(payload)
        else:
            request.xyz_f64le = payload
        self._call(self._stub.SetPositions, request)

    def set_parameters(self, cells, parameters):
        request = simulator_pb2.SetParametersRequest(session_id=self.id, cells=cells.to_proto())
        self._fill(request.parameters, parameters)
        self._call(self._stub.SetParameters, request)

    def initialize(self, cells, initial_values):
        request = simulator_pb2.InitializeRequest(session_id=self.id, cells=cells.to_proto())
        self._fill(request.initial_values, initial_values)
        self._call(self._stub.Initialize, request)

    def get_parameters(self, cells, names, initial_values=False):
        """{name: float64 array, or list of arrays for sequence parameters}."""
        request = simulator_pb2.GetParametersRequest(session_id=self.id, cells=cells.to_proto(),
                                                     names=list(names),
                                                     initial_values=initial_values)
        numbers, sequences = {}, {}
        for chunk in self._stream(self._stub.GetParameters, request):
            if chunk.WhichOneof("values") == "array":
                numbers.setdefault(chunk.name, []).append(
                    np.frombuffer(chunk.array.f64le, dtype="<f8"))
            else:
                sequences.setdefault(chunk.name, []).extend(
                    np.array(s.values, dtype=float) for s in chunk.sequence_list.sequences)
        result = {name: np.concatenate(parts) for name, parts in numbers.items()}
        result.update(sequences)
        return result

    # --- projections -------------------------------------------------------

    def create_projection(self, pre, post, connector, synapse_type="StaticSynapse",
                          synapse_parameters=None, receptor_type="excitatory", label="",
                          timing_dependence="", weight_dependence="", space=None):
        """`pre` and `post` are sequences of values.Cells; `connector` a dict:
        {"name": ..., "parameters": {...}, "column_names": [...], "rows": 2-D array, "seed": int,
        "distance_expression": str, "reference_projection_id": int,
        "matrix": 2-D array of flags (n_pre x n_post)}.
        `timing_dependence` and `weight_dependence` name STDPMechanism's components.
        `space`: a dict of network_pb2.Space fields (axes, scale_factor, offset,
        periodic_min, periodic_max). Returns ProjectionInfo."""
        message = network_pb2.Connector(
            name=connector["name"], seed=connector.get("seed", 0),
            distance_expression=connector.get("distance_expression", ""),
            reference_projection_id=connector.get("reference_projection_id", 0))
        matrix = connector.get("matrix")
        if matrix is not None:
            payload = (np.asarray(matrix) != 0).astype(np.uint8).tobytes()
            if len(payload) > values.UPLOAD_THRESHOLD_BYTES:
                message.matrix_upload_id = self.upload(payload)
            else:
                message.matrix_u8 = payload
        message.parameters.update({k: float(v) for k, v in connector.get("parameters", {}).items()})
        rows = connector.get("rows")
        if rows is not None:
            message.column_names.extend(connector.get("column_names", []))
            payload = values.float64_bytes(rows)
            if len(payload) > values.UPLOAD_THRESHOLD_BYTES:
                message.rows_upload_id = self.upload(payload)
            else:
                message.rows_f64le = payload
        request = simulator_pb2.CreateProjectionRequest(
            session_id=self.id, pre=values.cell_set(pre), post=values.cell_set(post),
            connector=message, receptor_type=receptor_type, label=label,
            space=network_pb2.Space(**(space or {})))
        request.synapse.type = synapse_type
        request.synapse.timing_dependence = timing_dependence
        request.synapse.weight_dependence = weight_dependence
        self._fill(request.synapse.parameters, synapse_parameters)
        return self._call(self._stub.CreateProjection, request)

    def get_connections(self, projection_id, names=()):
        """(pre indices, post indices, {name: values}) in canonical order."""
        request = simulator_pb2.GetConnectionsRequest(session_id=self.id,
                                                      projection_id=projection_id,
                                                      names=list(names))
        pre, post, columns = [], [], {name: [] for name in names}
        for chunk in self._stream(self._stub.GetConnections, request):
            pre.append(np.frombuffer(chunk.pre_u32le, dtype="<u4"))
            post.append(np.frombuffer(chunk.post_u32le, dtype="<u4"))
            for name, array in chunk.values.items():
                columns[name].append(np.frombuffer(array.f64le, dtype="<f8"))

        def joined(parts, dtype):
            return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)
        return (joined(pre, np.uint32), joined(post, np.uint32),
                {name: joined(parts, np.float64) for name, parts in columns.items()})

    def save_projection(self, projection_id, path, names=(), format="list"):
        """Has the server write the projection to `path` under its data directory:
        format "list" (PyNN's list layout as text), "hdf5" (the list layout as
        HDF5) or "array" (PyNN's matrix of one attribute, as text or, for a .h5
        path, HDF5); returns the SaveProjectionResponse."""
        return self._call(self._stub.SaveProjection, simulator_pb2.SaveProjectionRequest(
            session_id=self.id, projection_id=projection_id, names=list(names), format=format,
            path=path))

    def set_synapse_parameters(self, projection_id, parameters):
        request = simulator_pb2.SetSynapseParametersRequest(session_id=self.id,
                                                            projection_id=projection_id)
        self._fill(request.parameters, parameters)
        self._call(self._stub.SetSynapseParameters, request)

    def initialize_synapses(self, projection_id, initial_values):
        request = simulator_pb2.InitializeSynapsesRequest(session_id=self.id,
                                                          projection_id=projection_id)
        self._fill(request.initial_values, initial_values)
        self._call(self._stub.InitializeSynapses, request)

    # --- current sources ---------------------------------------------------

    def create_current_source(self, source_type, parameters):
        """Returns (source id, {name: value as applied})."""
        request = simulator_pb2.CreateCurrentSourceRequest(session_id=self.id, type=source_type)
        self._fill(request.parameters, parameters)
        info = self._call(self._stub.CreateCurrentSource, request)
        return info.source_id, _applied(info)

    def set_current_source_parameters(self, source_id, parameters):
        """Returns {name: value as applied} for every parameter of the source."""
        request = simulator_pb2.SetCurrentSourceParametersRequest(session_id=self.id,
                                                                  source_id=source_id)
        self._fill(request.parameters, parameters)
        return _applied(self._call(self._stub.SetCurrentSourceParameters, request).source)

    def record_current_source(self, source_id):
        self._call(self._stub.RecordCurrentSource, simulator_pb2.RecordCurrentSourceRequest(
            session_id=self.id, source_id=source_id))

    def inject(self, source_id, cells):
        self._call(self._stub.Inject, simulator_pb2.InjectRequest(
            session_id=self.id, source_id=source_id, cells=values.cell_set(cells)))

    # --- recording ---------------------------------------------------------

    def record(self, cells, variables, sampling_interval=0.0):
        self._call(self._stub.Record, simulator_pb2.RecordRequest(
            session_id=self.id, cells=values.cell_set(cells), variables=list(variables),
            sampling_interval_ms=sampling_interval or 0.0))

    def stop_recording(self, cells, variables=()):
        self._call(self._stub.StopRecording, simulator_pb2.StopRecordingRequest(
            session_id=self.id, cells=values.cell_set(cells), variables=list(variables)))

    def get_data(self, cells, variables=(), segments=(), dtype="float64",
                 max_chunk_bytes=0, block_name="", current_sources=()):
        """The recorded data of `cells` (a sequence of values.Cells) and of the
        recorded `current_sources` (ids) as a data.Block."""
        request = simulator_pb2.GetDataRequest(
            session_id=self.id, cells=values.cell_set(cells), variables=list(variables),
            segments=list(segments), max_chunk_bytes=max_chunk_bytes, block_name=block_name,
            dtype=data_pb2.FLOAT32 if dtype == "float32" else data_pb2.FLOAT64,
            current_sources=list(current_sources))
        return data.assemble(self._stream(self._get_data_views, request))

    def export_data(self, cells, path="", variables=(), segments=(), block_name="",
                    block_annotations=None, block_description="", dtype="float64"):
        """Has the server write the recorded data of `cells` as a NIX (HDF5) file.

        With `path` (relative to the server's data directory) the file stays
        there and its size is returned; without, the file's bytes are returned.
        """
        request = simulator_pb2.ExportDataRequest(
            session_id=self.id, cells=values.cell_set(cells), variables=list(variables),
            segments=list(segments), format="nix", path=path, block_name=block_name,
            block_description=block_description,
            dtype=data_pb2.FLOAT32 if dtype == "float32" else data_pb2.FLOAT64)
        for key, value in (block_annotations or {}).items():
            request.block_annotations[key].CopyFrom(data.annotation_message(value))
        pieces = []
        total = 0
        for chunk in self._stream(self._stub.ExportData, request):
            pieces.append(chunk.data)
            total = chunk.total_bytes or total
        payload = b"".join(pieces)
        if path:
            return total
        if len(payload) != total:
            raise data.MalformedStream(f"export ended after {len(payload)} of {total} bytes")
        return payload

    def clear_data(self, population_ids):
        self._call(self._stub.ClearData, simulator_pb2.ClearDataRequest(
            session_id=self.id, population_ids=list(population_ids)))

    # --- time --------------------------------------------------------------

    def run_live(self, t_ms, live=None, progress_interval_ms=0.0, progress_interval_wall_ms=0.0):
        """Starts a run to `t_ms`, streaming `live` (a live.LiveData) if given;
        returns a live.LiveRun to iterate (one LiveUpdate per progress event,
        then a final one) or cancel. Progress (and live data) comes every
        `progress_interval_ms` of biological time (0: 100 ms) and, if
        `progress_interval_wall_ms` > 0, at least that often in wall time."""
        request = simulator_pb2.RunRequest(session_id=self.id, until_ms=t_ms,
                                           progress_interval_ms=progress_interval_ms,
                                           progress_interval_wall_ms=progress_interval_wall_ms)
        if live is not None:
            request.live_data.CopyFrom(live.to_proto())
        return LiveRun(self._stub.Run(request), live)

    def run_until(self, t_ms, progress=None, progress_interval_ms=0.0, live=None, on_data=None,
                  progress_interval_wall_ms=0.0):
        """Advances to `t_ms`; `progress(t_ms, target_ms)` sees the progress
        events and, with `live` (a live.LiveData), `on_data(update)` sees the
        live data (live.LiveUpdate) at each of them and at the end (intervals
        as run_live's). Returns the RunFinished message."""
        run = self.run_live(t_ms, live, progress_interval_ms, progress_interval_wall_ms)
        try:
            for update in run:
                self.t = update.t_ms
                if progress is not None and not update.final:
                    progress(update.t_ms, update.target_ms)
                if on_data is not None and live is not None:
                    on_data(update)
        finally:
            if run.finished is None:  # stopped early (a callback raised, or cancelled)
                run.cancel()
                try:
                    self.t = self.describe().t_ms  # waits for the run to stop
                except SpikeserveError:
                    pass
        return run.finished

    def reset(self, annotations=None):
        request = simulator_pb2.ResetRequest(session_id=self.id)
        for key, value in (annotations or {}).items():
            request.annotations[key].CopyFrom(data.annotation_message(value))
        self.num_segments = self._call(self._stub.Reset, request).num_segments
        self.t = 0.0

"""Server errors as Python exceptions carrying the machine-readable detail."""

import grpc

from spikeserve.v1 import errors_pb2

ERROR_DETAIL_KEY = "spikeserve-error-bin"


class SpikeserveError(Exception):
    """A call the server refused or could not complete.

    `code` is the grpc.StatusCode, `field` the path of the offending request
    field ("parameters.tau_m") and `reason` the stable reason code
    ("UNKNOWN_PARAMETER"), both empty when the server sent none.
    """

    def __init__(self, code, message, field="", reason=""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.reason = reason

    def __str__(self):
        where = f" [{self.field}]" if self.field else ""
        return f"{self.message}{where} ({self.code.name}, {self.reason or 'no reason'})"


def from_rpc_error(error):
    """Converts a grpc.RpcError into a SpikeserveError."""
    detail = errors_pb2.ErrorDetail()
    trailers = error.trailing_metadata() or ()
    for key, value in trailers:
        if key == ERROR_DETAIL_KEY:
            detail.ParseFromString(value)
    code = error.code() if callable(getattr(error, "code", None)) else grpc.StatusCode.UNKNOWN
    message = error.details() if callable(getattr(error, "details", None)) else str(error)
    return SpikeserveError(code, message or "", detail.field, detail.reason)

"""Server errors as PyNN's exceptions, chosen by the machine-readable reason."""

import functools

from pyNN import errors

from spikeserve.errors import SpikeserveError

_VALUE_REASONS = {
    "WRONG_LENGTH", "OUT_OF_RANGE", "NOT_FINITE", "NOT_SORTED", "WRONG_TYPE", "MISSING",
    "BELOW_TIME_STEP", "ABOVE_MAX_DELAY", "NOT_ON_TIME_GRID", "INDEX_OUT_OF_RANGE",
    "UNKNOWN_DISTRIBUTION", "CONFLICT", "INVALID_EXPRESSION",
}


class ServerNonExistentParameterError(errors.NonExistentParameterError):
    """NonExistentParameterError with the server's message (which lists the valid names)."""

    def __init__(self, parameter_name, message):
        super().__init__(parameter_name, "the server's model")
        self.message = message

    def __str__(self):
        return self.message


class ServerRecordingError(errors.RecordingError):
    """RecordingError with the server's message (which lists the recordables)."""

    def __init__(self, variable, message):
        super().__init__(variable, None)
        self.message = message

    def __str__(self):
        return self.message


def to_pynn(error):
    """The PyNN exception that matches a SpikeserveError."""
    message = f"{error.message} (server field '{error.field}')" if error.field else error.message
    reason = error.reason
    if reason == "UNKNOWN_PARAMETER" or reason == "UNKNOWN_VARIABLE":
        name = error.field.rsplit(".", 1)[-1] if error.field else "?"
        exception = ServerNonExistentParameterError(name, message)
    elif reason in _VALUE_REASONS:
        exception = errors.InvalidParameterValueError(message)
    elif reason == "NOT_RECORDABLE":
        exception = ServerRecordingError(error.field or "variable", message)
    elif reason in ("UNKNOWN_CELL_TYPE", "UNKNOWN_SYNAPSE_TYPE", "UNKNOWN_CURRENT_SOURCE",
                    "NOT_IMPLEMENTED", "UNKNOWN_CONNECTOR", "UNKNOWN_RECEPTOR_TYPE"):
        exception = NotImplementedError(f"spikeserve: {message}")
    elif reason == "NOT_INJECTABLE":
        exception = TypeError(message)
    elif reason == "LIMIT_EXCEEDED":
        exception = MemoryError(f"spikeserve: {message}")
    else:
        exception = RuntimeError(f"spikeserve: {error}")
    exception.spikeserve_error = error
    return exception


def translated(function):
    """Re-raises SpikeserveErrors from `function` as PyNN exceptions."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except SpikeserveError as error:
            raise to_pynn(error) from error
    return wrapper

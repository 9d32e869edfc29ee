"""Typed errors, each with a message a user can act on."""


class EmpathicError(Exception):
    """Base of every error empathic raises on purpose."""


class ModelArtifactError(EmpathicError):
    """A shipped model file is missing or does not match its checksum."""


class DataNotFoundError(EmpathicError):
    """The public data sets needed for training or evaluation are not where we looked."""


class InputError(EmpathicError):
    """User input that cannot be analysed (empty, undecodable, too large, malformed)."""

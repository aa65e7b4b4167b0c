"""Exceptions raised by the verifier package.

Verification itself never raises: `verifier.verify.verify` turns every failure into a
`Verdict`. These exceptions are for the building blocks (codec, COSE, trust list, keys) and
for callers that sign or load files, where an error is the right answer.

    VerifierError
    ├── FormatError            the bytes or text are not a well-formed Sanad object
    │   ├── PrefixError        missing or unknown prefix
    │   ├── Base45Error        not valid Base45
    │   ├── CompressionError   bad DEFLATE stream, or inflates past the cap
    │   ├── CborError          not well-formed CBOR, or over the depth/size caps
    │   ├── CoseError          not a tagged COSE_Sign1 of the shape Sanad uses
    │   └── SchemaError        a claim or document field does not match its schema
    ├── UnsupportedVersionError  a format version this verifier does not know
    ├── UnsupportedAlgorithmError  a COSE algorithm other than EdDSA
    ├── SignatureError         the Ed25519 signature does not verify
    ├── TrustListError         a trust list that does not verify, or a rollback
    └── KeyFileError           a key file that cannot be read or has the wrong shape
"""

from __future__ import annotations

__all__ = [
    "Base45Error",
    "CborError",
    "CompressionError",
    "CoseError",
    "FormatError",
    "KeyFileError",
    "PrefixError",
    "SchemaError",
    "SignatureError",
    "TrustListError",
    "UnsupportedAlgorithmError",
    "UnsupportedVersionError",
    "VerifierError",
]


class VerifierError(Exception):
    """Root of every error the verifier package raises."""


class FormatError(VerifierError):
    """The input is not a well-formed Sanad object."""


class PrefixError(FormatError):
    pass


class Base45Error(FormatError):
    pass


class CompressionError(FormatError):
    pass


class CborError(FormatError):
    pass


class CoseError(FormatError):
    pass


class SchemaError(FormatError):
    pass


class UnsupportedVersionError(VerifierError):
    pass


class UnsupportedAlgorithmError(VerifierError):
    pass


class SignatureError(VerifierError):
    pass


class TrustListError(VerifierError):
    pass


class KeyFileError(VerifierError):
    pass

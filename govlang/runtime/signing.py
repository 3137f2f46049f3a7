r"""Ed25519 keys and signatures of governance logs (``specs/integrity.md``).

A log is signed with an Ed25519 private key and verified with its public key alone. Key
*material* is what an operator hands over, in one of three forms:

- PEM text of an unencrypted PKCS#8 Ed25519 private key (``-----BEGIN PRIVATE KEY-----``);
- exactly 32 raw bytes, the Ed25519 private key itself (key files only, see
  :func:`parse_key_file`);
- any other non-empty text, an operator *secret*: the private key is derived from it as
  ``SHA-256("govlang log signing key\0" + secret)`` (so ``GOVLANG_LOG_KEY=...`` keeps working;
  the key is as strong as the secret).

A key is named by its **fingerprint**, ``ed25519:`` and the SHA-256 (hex) of the 32 raw bytes
of its public key. Ed25519 signatures are deterministic: the same entries signed with the same
key give the same bytes.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KeyMaterial = bytes | str | Ed25519PrivateKey
"""A private key, its PEM, or an operator secret to derive it from."""
PublicKeyLike = Ed25519PublicKey | Ed25519PrivateKey
RAW_KEY_BYTES = 32
_DERIVE = b"govlang log signing key\0"
_PEM_PRIVATE = b"-----BEGIN PRIVATE KEY-----"
_PEM_PUBLIC = b"-----BEGIN PUBLIC KEY-----"


class LogKeyError(RuntimeError):
    """No usable key: none given, unreadable, empty, unsafe, of the wrong kind or the wrong one."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        """``message`` says what is wrong; ``hint``, when known, what to do."""
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message}\n  hint: {hint}")

    def prefixed(self, prefix: str) -> LogKeyError:
        """The same error (same class and hint) with ``prefix`` before its message."""
        return type(self)(prefix + self.message, self.hint)


class UnsafeKey(LogKeyError):
    """A private key file (or its directory) that another user owns or may read."""


def private_key(material: KeyMaterial) -> Ed25519PrivateKey:
    """The Ed25519 private key for ``material`` (a key, its PEM, or a secret to derive it from)."""
    if isinstance(material, Ed25519PrivateKey):
        return material
    data = material.encode("utf-8") if isinstance(material, str) else material
    if not data:
        raise LogKeyError("the operator key is empty")
    if data.lstrip().startswith(b"-----BEGIN"):
        return _pem_private(data)
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(_DERIVE + data).digest())


def _pem_private(data: bytes) -> Ed25519PrivateKey:
    """A PEM private key, refused unless it is an unencrypted Ed25519 key."""
    if not data.lstrip().startswith(_PEM_PRIVATE):
        raise LogKeyError(
            "a PEM key must be an unencrypted PKCS#8 private key (-----BEGIN PRIVATE KEY-----)",
            "openssl genpkey -algorithm ed25519 -out key.pem",
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise LogKeyError(f"not a readable PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise LogKeyError(
            f"the PEM key is a {type(key).__name__.removeprefix('_')}, not an Ed25519 key",
            "openssl genpkey -algorithm ed25519 -out key.pem",
        )
    return key


def parse_key_file(data: bytes) -> bytes:
    r"""The key material held in a key file's bytes (PEM for a PEM or raw key, else the secret).

    Exactly 32 bytes are a raw Ed25519 private key; PEM is kept as it is; anything else is an
    operator secret with trailing ``\r``/``\n`` removed. Raises :class:`LogKeyError` for an
    empty file or an unusable PEM key.
    """
    if len(data) == RAW_KEY_BYTES:
        return private_pem(Ed25519PrivateKey.from_private_bytes(data))
    text = data.rstrip(b"\r\n")
    if not text:
        raise LogKeyError("the key file is empty")
    if text.lstrip().startswith(b"-----BEGIN"):
        _pem_private(text)
    return text


def private_pem(key: Ed25519PrivateKey) -> bytes:
    """``key`` as unencrypted PKCS#8 PEM."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_of(key: PublicKeyLike) -> Ed25519PublicKey:
    """The public half of ``key`` (itself when it is public)."""
    return key.public_key() if isinstance(key, Ed25519PrivateKey) else key


def public_raw(key: PublicKeyLike) -> bytes:
    """The 32 raw bytes of the public key of ``key``."""
    return public_of(key).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_pem(key: PublicKeyLike) -> bytes:
    """The public key of ``key`` as SubjectPublicKeyInfo PEM (what a third party is given)."""
    return public_of(key).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def fingerprint(key: PublicKeyLike) -> str:
    """``ed25519:<hex SHA-256 of the raw public key>``: the name of a key, safe to publish."""
    return "ed25519:" + hashlib.sha256(public_raw(key)).hexdigest()


def load_public_pem(data: bytes, name: str) -> Ed25519PublicKey:
    """The Ed25519 public key in PEM ``data`` (a public key file), or :class:`LogKeyError`."""
    if not data.lstrip().startswith(_PEM_PUBLIC):
        raise LogKeyError(
            f"{name}: not a PEM public key (-----BEGIN PUBLIC KEY-----)",
            "give the operator's log-public-key.pem, or make one with "
            "`openssl pkey -in key.pem -pubout`",
        )
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise LogKeyError(f"{name}: not a readable PEM public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise LogKeyError(f"{name}: not an Ed25519 public key")
    return key


def sign(key: Ed25519PrivateKey, text: str) -> str:
    """The Ed25519 signature (hex) of ``text``'s UTF-8 bytes."""
    return key.sign(text.encode("utf-8")).hex()


def signature_ok(public: bytes, text: str, signature: object) -> bool:
    """Whether ``signature`` (hex) signs ``text`` under the raw public key ``public``."""
    if not isinstance(signature, str) or len(signature) != 128:
        return False
    return _checked(public, text, signature)


@lru_cache(maxsize=8192)
def _checked(public: bytes, text: str, signature: str) -> bool:
    """The verification itself, remembered: the same bytes under the same key verify alike."""
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(bytes.fromhex(signature), text.encode())
    except (InvalidSignature, ValueError):
        return False
    return True

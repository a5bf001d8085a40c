"""Test-only JWT signing for the hub integration tests (HS256 with hmac,
RS256/ES256 with python3-cryptography). Keys are generated per test run;
nothing here is a real secret."""
import base64
import hashlib
import hmac
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def _signing_input(alg, claims):
    head = b64url(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    return f"{head}.{body}"


def hs256(secret: bytes, claims: dict) -> str:
    si = _signing_input("HS256", claims)
    return si + "." + b64url(hmac.new(secret, si.encode(), hashlib.sha256).digest())


def rs256(private_key, claims: dict) -> str:
    si = _signing_input("RS256", claims)
    return si + "." + b64url(private_key.sign(si.encode(), padding.PKCS1v15(), hashes.SHA256()))


def es256(private_key, claims: dict) -> str:
    si = _signing_input("ES256", claims)
    r, s = decode_dss_signature(private_key.sign(si.encode(), ec.ECDSA(hashes.SHA256())))
    return si + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ec_key():
    return ec.generate_private_key(ec.SECP256R1())


def public_pem(private_key) -> bytes:
    return private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)

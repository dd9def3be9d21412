"""The device proof must match the gateway's verifier byte for byte (protocol reference §5.4)."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
import pytest

from custom_components.openclaw.aioopenclaw.connection import (
    ClientInfo,
    Credentials,
    build_connect_params,
)
from custom_components.openclaw.aioopenclaw.identity import (
    DeviceIdentity,
    b64url_decode,
    signature_payload,
)
from custom_components.openclaw.aioopenclaw.models import Challenge

SEED = bytes(range(32))
VECTOR_PUBLIC_KEY = "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"
VECTOR_DEVICE_ID = "56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c"
VECTOR_PAYLOAD = (
    "v3|56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c|gateway-client|backend"
    "|operator|operator.read,operator.write|1737264000000|tok123"
    "|2f1d8a3e-0000-4000-8000-000000000001|linux|"
)
VECTOR_SIGNATURE = (
    "fuGkxhy-hq4c9zapoa4UlNxNGEVrScyLd23YhjExu__vN28dnP4Kc55pJcTfSH5tFbiBUaA1h3SNR848LECdBw"
)


def test_reference_vector() -> None:
    identity = DeviceIdentity.from_private_bytes(SEED)
    assert identity.public_key == VECTOR_PUBLIC_KEY
    assert identity.device_id == VECTOR_DEVICE_ID
    payload = signature_payload(
        device_id=identity.device_id,
        client_id="gateway-client",
        client_mode="backend",
        role="operator",
        scopes=["operator.read", "operator.write"],
        signed_at_ms=1737264000000,
        token="tok123",
        nonce="2f1d8a3e-0000-4000-8000-000000000001",
        platform="Linux",
        device_family=None,
    )
    assert payload == VECTOR_PAYLOAD
    assert identity.sign(payload) == VECTOR_SIGNATURE


def test_normalization_is_ascii_only() -> None:
    payload = signature_payload(
        device_id="d",
        client_id="c",
        client_mode="m",
        role="r",
        scopes=[],
        signed_at_ms=1,
        token="",
        nonce="n",
        platform="  LiNUX ",
        device_family="ÄPhone",
    )
    # Only A-Z are lowered: a non-ASCII capital stays as the gateway leaves it.
    assert payload == "v3|d|c|m|r||1||n|linux|Äphone"


def test_storage_round_trip_keeps_the_identity() -> None:
    identity = DeviceIdentity.generate()
    restored = DeviceIdentity.from_storage(identity.to_storage())
    assert restored.device_id == identity.device_id
    assert identity.to_storage() not in repr(identity)


@pytest.mark.parametrize(
    ("credentials", "auth", "signed"),
    [
        (Credentials(token="shared"), {"token": "shared"}, "shared"),
        (
            Credentials(token="shared", device_token="dev"),
            {"deviceToken": "dev"},
            "dev",
        ),
        (Credentials(bootstrap_token="boot"), {"bootstrapToken": "boot"}, "boot"),
        (
            Credentials(password="pw"),
            {"password": "pw"},
            "",
        ),  # a password is never signed
    ],
)
def test_connect_params_sign_the_credential_sent(
    credentials: Credentials, auth: dict[str, str], signed: str
) -> None:
    identity = DeviceIdentity.generate()
    challenge = Challenge(nonce="nonce-1", ts=1_700_000_000_000)
    params = build_connect_params(
        challenge=challenge,
        identity=identity,
        credentials=credentials,
        client=ClientInfo(version="1.2.3"),
        role="operator",
        scopes=("operator.read", "operator.write"),
        caps=(),
    )
    assert params["auth"] == auth
    assert params["minProtocol"] == 3
    assert params["maxProtocol"] == 4
    assert params["client"]["id"] == "gateway-client"
    assert params["client"]["mode"] == "backend"
    device = params["device"]
    assert device == {
        "id": identity.device_id,
        "publicKey": identity.public_key,
        "signature": device["signature"],
        "signedAt": challenge.ts,
        "nonce": "nonce-1",
    }
    expected = signature_payload(
        device_id=identity.device_id,
        client_id="gateway-client",
        client_mode="backend",
        role="operator",
        scopes=["operator.read", "operator.write"],
        signed_at_ms=challenge.ts,
        token=signed,
        nonce="nonce-1",
        platform="linux",
        device_family=None,
    )
    public = Ed25519PublicKey.from_public_bytes(b64url_decode(identity.public_key))
    public.verify(b64url_decode(device["signature"]), expected.encode())
    with pytest.raises(InvalidSignature):
        public.verify(b64url_decode(device["signature"]), (expected + "x").encode())
    assert repr(credentials).count("shared") == 0

"""sign_jwt / verify_jwt: JW-01 (alg allow-lists), JW-02 (key sources), JW-03 (claims, typ)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pytest
from joserfc import jws
from joserfc.jwk import JWKRegistry, RSAKey

from tier0.clock import FrozenClock
from tier0.jose import InvalidJwt, peek_header, public_jwk, sign_jwt, verify_jwt
from tier0.jose.algorithms import (
    CLIENT_ASSERTION_ALGS,
    DPOP_PROOF_ALGS,
    ID_TOKEN_HINT_ALGS,
    SIGNING_ALGS,
)
from tier0.jose.keys import generate_private_jwk

Keys = dict[str, dict[str, Any]]
ClaimsFactory = Callable[..., dict[str, Any]]
ISSUER = "https://issuer.example/"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64json(value: object) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def sign_raw(header: dict[str, Any], payload: bytes, private: Mapping[str, Any]) -> str:
    """Sign arbitrary payload bytes (not a claim set) the way a hostile client could."""
    key = JWKRegistry.import_key(dict(private), private["kty"])
    return jws.serialize_compact(header, payload, key, algorithms=[header["alg"]])


def verify(
    token: str, keys: Sequence[Mapping[str, Any]], clock: FrozenClock, **kw: Any
) -> dict[str, Any]:
    options: dict[str, Any] = {
        "allowed_algs": SIGNING_ALGS,
        "expected_typ": "JWT",
        "issuer": ISSUER,
        "audience": "api",
        "clock": clock,
    }
    options.update(kw)
    return verify_jwt(token, keys=keys, **options)


@pytest.mark.parametrize("alg", sorted(SIGNING_ALGS))
def test_round_trip_each_alg(
    alg: str, private_keys: Keys, clock: FrozenClock, claims: ClaimsFactory
) -> None:
    private = private_keys[alg]
    token = sign_jwt(claims(nonce="n-1"), private_jwk=private, typ="JWT")
    header = peek_header(token)
    assert header == {"alg": alg, "kid": private["kid"], "typ": "JWT"}
    assert verify(token, [public_jwk(private)], clock)["nonce"] == "n-1"


def test_sign_refuses_header_overrides_and_public_keys(private_keys: Keys) -> None:
    private = private_keys["ES256"]
    for extra in ({"alg": "none"}, {"kid": "other"}, {"typ": "x"}, {"crit": ["exp"]}):
        with pytest.raises(ValueError, match="extra_header"):
            sign_jwt({}, private_jwk=private, typ="JWT", extra_header=extra)
    with pytest.raises(ValueError, match="private"):
        sign_jwt({}, private_jwk=public_jwk(private), typ="JWT")
    with pytest.raises(ValueError):
        sign_jwt({}, private_jwk={**private, "alg": "HS256"}, typ="JWT")


# --- JW-01: alg allow-lists -------------------------------------------------------------


@pytest.mark.parametrize("allowed", [ID_TOKEN_HINT_ALGS, CLIENT_ASSERTION_ALGS, DPOP_PROOF_ALGS])
@pytest.mark.parametrize("alg_name", ["none", "None", "NONE", "nOnE"])
def test_jw01_alg_none_refused(
    allowed: frozenset[str],
    alg_name: str,
    private_keys: Keys,
    clock: FrozenClock,
    claims: ClaimsFactory,
) -> None:
    header = {"alg": alg_name, "typ": "JWT", "kid": private_keys["RS256"]["kid"]}
    for signature in ("", b64(b"x")):
        token = f"{b64json(header)}.{b64json(claims())}.{signature}"
        with pytest.raises(InvalidJwt):
            verify(token, [public_jwk(private_keys["RS256"])], clock, allowed_algs=allowed)


def _hs256(header: dict[str, Any], payload: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{b64json(header)}.{b64json(payload)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


@pytest.mark.parametrize("allowed", [ID_TOKEN_HINT_ALGS, CLIENT_ASSERTION_ALGS, DPOP_PROOF_ALGS])
def test_jw01_hs256_keyed_with_our_public_key_refused(
    allowed: frozenset[str], private_keys: Keys, clock: FrozenClock, claims: ClaimsFactory
) -> None:
    public = public_jwk(private_keys["RS256"])
    pem = RSAKey.import_key(public).as_pem(private=False)
    secrets = [
        pem,
        pem.strip(),
        json.dumps(public).encode(),
        json.dumps(public, separators=(",", ":"), sort_keys=True).encode(),
    ]
    header = {"alg": "HS256", "typ": "JWT", "kid": public["kid"]}
    for secret in secrets:
        token = _hs256(header, claims(), secret)
        with pytest.raises(InvalidJwt) as caught:
            verify(token, [public], clock, allowed_algs=allowed)
        assert "alg" in caught.value.debug


def test_jw01_hs256_in_an_allow_list_is_a_programming_error(
    private_keys: Keys, clock: FrozenClock
) -> None:
    with pytest.raises(ValueError, match="asymmetric"):
        verify("a.b.c", [], clock, allowed_algs=frozenset({"RS256", "HS256"}))


def test_jw01_registered_symmetric_key_is_never_used(
    private_keys: Keys, clock: FrozenClock, claims: ClaimsFactory
) -> None:
    oct_key = {"kty": "oct", "k": b64(b"0" * 32), "kid": "kid-rs256", "alg": "RS256"}
    token = sign_jwt(claims(), private_jwk=private_keys["RS256"], typ="JWT")
    with pytest.raises(InvalidJwt):
        verify(token, [oct_key], clock)


def test_jw01_alg_outside_the_kind_list_refused(
    private_keys: Keys, clock: FrozenClock, claims: ClaimsFactory
) -> None:
    token = sign_jwt(claims(), private_jwk=private_keys["PS256"], typ="JWT")
    with pytest.raises(InvalidJwt):
        verify(token, [public_jwk(private_keys["PS256"])], clock, allowed_algs=frozenset({"ES256"}))


def test_jw01_key_of_the_wrong_type_for_alg_is_not_tried(
    private_keys: Keys, clock: FrozenClock, claims: ClaimsFactory
) -> None:
    # An RS256 token whose kid names our EC key: the EC key must not be handed to RSA verify.
    ec_public = public_jwk(private_keys["ES256"])
    rsa = {**private_keys["RS256"], "kid": ec_public["kid"]}
    token = sign_jwt(claims(), private_jwk=rsa, typ="JWT")
    with pytest.raises(InvalidJwt):
        verify(token, [ec_public], clock)


# --- JW-02: keys only from our keystore / registered JWKS -------------------------------


@pytest.fixture
def closed_port_listener() -> Iterator[tuple[socket.socket, str]]:
    """A listening socket nobody should ever connect to, and a URL pointing at it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    sock.setblocking(False)
    port = sock.getsockname()[1]
    try:
        yield sock, f"http://127.0.0.1:{port}/jwks.json"
    finally:
        sock.close()


def _assert_nobody_connected(sock: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        sock.accept()


def test_jw02_jku_and_x5u_are_never_fetched(
    closed_port_listener: tuple[socket.socket, str],
    private_keys: Keys,
    clock: FrozenClock,
    claims: ClaimsFactory,
) -> None:
    sock, url = closed_port_listener
    attacker = generate_private_jwk("ES256", "kid-es256")  # same kid as ours
    token = sign_jwt(
        claims(), private_jwk=attacker, typ="JWT", extra_header={"jku": url, "x5u": url}
    )
    with pytest.raises(InvalidJwt):
        verify(token, [public_jwk(private_keys["ES256"])], clock)
    _assert_nobody_connected(sock)


def test_jw02_header_jku_does_not_stop_a_good_token(
    closed_port_listener: tuple[socket.socket, str],
    private_keys: Keys,
    clock: FrozenClock,
    claims: ClaimsFactory,
) -> None:
    sock, url = closed_port_listener
    private = private_keys["EdDSA"]
    token = sign_jwt(claims(), private_jwk=private, typ="JWT", extra_header={"jku": url})
    assert verify(token, [public_jwk(private)], clock)["sub"] == "user-1"
    _assert_nobody_connected(sock)


def test_jw02_embedded_jwk_and_x5c_are_ignored(
    private_keys: Keys, clock: FrozenClock, claims: ClaimsFactory
) -> None:
    attacker = generate_private_jwk("ES256", "kid-es256")
    extra = {"jwk": public_jwk(attacker), "x5c": ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A"]}
    token = sign_jwt(claims(), private_jwk=attacker, typ="JWT", extra_header=extra)
    with pytest.raises(InvalidJwt):
        verify(token, [public_jwk(private_keys["ES256"])], clock)


@pytest.mark.parametrize(
    "kid",
    [
        "../x",
        "../../etc/passwd",
        "' OR 1=1 --",
        '"; DROP TABLE keys; --',
        "\x00",
        "%00",
        "kid-rs256 ",
    ],
)
def test_jw02_kid_injection_is_just_an_unknown_kid(
    kid: str, private_keys: Keys, clock: FrozenClock, claims: ClaimsFactory
) -> None:
    token = sign_jwt(claims(), private_jwk={**private_keys["RS256"], "kid": kid}, typ="JWT")
    with pytest.raises(InvalidJwt) as caught:
        verify(token, [public_jwk(private_keys["RS256"])], clock)
    assert "no key" in caught.value.debug


@pytest.mark.parametrize("kid", [1, None, ["kid-rs256"], {"k": "v"}, True, "k" * 3000])
def test_jw02_odd_kid_values_give_invalid_jwt(
    kid: object, private_keys: Keys, clock: FrozenClock, claims: ClaimsFactory
) -> None:
    good = sign_jwt(claims(), private_jwk=private_keys["RS256"], typ="JWT")
    _, payload, signature = good.split(".")
    header = {"alg": "RS256", "typ": "JWT", "kid": kid}
    with pytest.raises(InvalidJwt):
        verify(
            f"{b64json(header)}.{payload}.{signature}", [public_jwk(private_keys["RS256"])], clock
        )


def test_jw02_token_without_kid_tries_keys_of_the_right_type(
    private_keys: Keys, clock: FrozenClock, claims: ClaimsFactory
) -> None:
    private = private_keys["ES256"]
    payload = json.dumps(claims()).encode()
    token = sign_raw({"alg": "ES256", "typ": "JWT"}, payload, private)
    other = generate_private_jwk("ES256", "other")
    keys = [public_jwk(private_keys["RS256"]), public_jwk(other), public_jwk(private)]
    assert verify(token, keys, clock)["sub"] == "user-1"
    with pytest.raises(InvalidJwt) as caught:
        verify(token, keys[:2], clock)
    assert "no key" in caught.value.debug


# --- JW-03: time, issuer, audience, typ ---------------------------------------------------


def test_jw03_iat_120s_in_future_refused_5s_accepted(
    private_keys: Keys, clock: FrozenClock, claims: ClaimsFactory
) -> None:
    private = private_keys["ES256"]
    now = int(clock.now().timestamp())
    keys = [public_jwk(private)]
    future = sign_jwt(claims(iat=now + 120, exp=now + 600), private_jwk=private, typ="JWT")
    with pytest.raises(InvalidJwt) as caught:
        verify(future, keys, clock)
    assert "future" in caught.value.debug
    slight = sign_jwt(claims(iat=now + 5, exp=now + 600), private_jwk=private, typ="JWT")
    assert verify(slight, keys, clock)["iat"] == now + 5


def test_jw03_exp_and_nbf(private_keys: Keys, clock: FrozenClock, claims: ClaimsFactory) -> None:
    private = private_keys["ES256"]
    keys = [public_jwk(private)]
    now = int(clock.now().timestamp())
    token = sign_jwt(claims(exp=now + 10), private_jwk=private, typ="JWT")
    verify(token, keys, clock)
    clock.advance(10 + 59)
    verify(token, keys, clock)  # within the 60 s leeway
    clock.advance(2)
    with pytest.raises(InvalidJwt):
        verify(token, keys, clock)
    later = sign_jwt(claims(nbf=now + 3600), private_jwk=private, typ="JWT")
    with pytest.raises(InvalidJwt):
        verify(later, keys, clock)


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": None},
        {"exp": "9999999999"},
        {"exp": True},
        {"iss": "https://evil.example/"},
        {"iss": None},
        {"iss": ["https://issuer.example/"]},
        {"aud": "other-api"},
        {"aud": ["other-api", "third"]},
        {"aud": None},
        {"aud": [["api"]]},
    ],
)
def test_jw03_bad_or_missing_claims_refused(
    changes: dict[str, Any], private_keys: Keys, clock: FrozenClock, claims: ClaimsFactory
) -> None:
    private = private_keys["ES256"]
    token = sign_jwt(claims(**changes), private_jwk=private, typ="JWT")
    with pytest.raises(InvalidJwt):
        verify(token, [public_jwk(private)], clock)


def test_jw03_non_finite_exp_refused(private_keys: Keys, clock: FrozenClock) -> None:
    private = private_keys["ES256"]
    with pytest.raises(ValueError):
        sign_jwt({"exp": float("nan")}, private_jwk=private, typ="JWT")
    payload = b'{"iss":"https://issuer.example/","aud":"api","exp":NaN}'
    token = sign_raw({"alg": "ES256", "typ": "JWT", "kid": private["kid"]}, payload, private)
    with pytest.raises(InvalidJwt) as caught:
        verify(token, [public_jwk(private)], clock)
    assert "exp" in caught.value.debug


def test_jw03_audience_list_and_optional_checks(
    private_keys: Keys, clock: FrozenClock, claims: ClaimsFactory
) -> None:
    private = private_keys["ES256"]
    keys = [public_jwk(private)]
    listed = sign_jwt(claims(aud=["other", "api"]), private_jwk=private, typ="JWT")
    assert verify(listed, keys, clock)["aud"] == ["other", "api"]
    exp = int(clock.now().timestamp()) + 60
    bare = sign_jwt({"exp": exp}, private_jwk=private, typ="JWT")
    assert verify(bare, keys, clock, issuer=None, audience=None) == {"exp": exp}
    with pytest.raises(InvalidJwt) as caught:
        verify(bare, keys, clock, issuer=None, audience=None, required=("exp", "sub"))
    assert "sub" in caught.value.debug


def test_jw03_max_age(private_keys: Keys, clock: FrozenClock, claims: ClaimsFactory) -> None:
    private = private_keys["ES256"]
    keys = [public_jwk(private)]
    token = sign_jwt(
        claims(exp=int(clock.now().timestamp()) + 3600), private_jwk=private, typ="JWT"
    )
    verify(token, keys, clock, max_age=300)
    clock.advance(300 + 61)
    with pytest.raises(InvalidJwt):
        verify(token, keys, clock, max_age=300)
    no_iat = sign_jwt(claims(iat=None), private_jwk=private, typ="JWT")
    with pytest.raises(InvalidJwt):
        verify(no_iat, keys, clock, max_age=300)


def test_jw03_id_token_refused_as_access_token_and_vice_versa(
    private_keys: Keys, clock: FrozenClock, claims: ClaimsFactory
) -> None:
    private = private_keys["RS256"]
    keys = [public_jwk(private)]
    id_token = sign_jwt(claims(), private_jwk=private, typ="JWT")
    access_token = sign_jwt(claims(), private_jwk=private, typ="at+jwt")
    assert verify(access_token, keys, clock, expected_typ="at+jwt")["sub"] == "user-1"
    with pytest.raises(InvalidJwt):
        verify(id_token, keys, clock, expected_typ="at+jwt")
    with pytest.raises(InvalidJwt):
        verify(access_token, keys, clock, expected_typ="JWT")
    with pytest.raises(InvalidJwt):  # a typed AT is not an untyped anything either
        verify(access_token, keys, clock, expected_typ=None)


def test_jw03_typ_compared_case_insensitively_with_prefix(
    private_keys: Keys, clock: FrozenClock, claims: ClaimsFactory
) -> None:
    private = private_keys["ES256"]
    token = sign_jwt(claims(), private_jwk=private, typ="application/AT+JWT")
    assert verify(token, [public_jwk(private)], clock, expected_typ="at+jwt")["sub"] == "user-1"


# --- robustness ---------------------------------------------------------------------------


def test_crit_and_unencoded_payload_refused(
    private_keys: Keys, clock: FrozenClock, claims: ClaimsFactory
) -> None:
    private = private_keys["ES256"]
    good = sign_jwt(claims(), private_jwk=private, typ="JWT")
    _, payload, signature = good.split(".")
    for extra in ({"crit": ["exp"], "exp": 1}, {"b64": False, "crit": ["b64"]}, {"b64": True}):
        header = {"alg": "ES256", "typ": "JWT", "kid": private["kid"], **extra}
        with pytest.raises(InvalidJwt):
            verify(f"{b64json(header)}.{payload}.{signature}", [public_jwk(private)], clock)


def test_oversized_token_refused_before_parsing(private_keys: Keys, clock: FrozenClock) -> None:
    private = private_keys["ES256"]
    token = sign_jwt({"pad": "x" * 20_000}, private_jwk=private, typ="JWT")
    with pytest.raises(InvalidJwt) as caught:
        verify(token, [public_jwk(private)], clock, required=())
    assert "large" in caught.value.debug


@pytest.mark.parametrize(
    "payload", [b"[1,2]", b'"str"', b"null", b"not json", b"\xff\xfe", b"[" * 5000 + b"]" * 5000]
)
def test_non_object_payloads_refused(
    payload: bytes, private_keys: Keys, clock: FrozenClock
) -> None:
    private = private_keys["ES256"]
    token = sign_raw({"alg": "ES256", "typ": "JWT", "kid": private["kid"]}, payload, private)
    with pytest.raises(InvalidJwt) as caught:
        verify(token, [public_jwk(private)], clock)
    assert "no key" not in caught.value.debug  # the signature was fine; the payload was not


def test_error_text_never_contains_the_token(
    private_keys: Keys, clock: FrozenClock, claims: ClaimsFactory
) -> None:
    private = private_keys["ES256"]
    token = sign_jwt(claims(iss="https://evil.example/"), private_jwk=private, typ="JWT")
    with pytest.raises(InvalidJwt) as caught:
        verify(token, [public_jwk(private)], clock)
    err = caught.value
    for text in (str(err), repr(err), err.debug, str(err.args)):
        assert token not in text
        assert token.split(".")[2] not in text
    assert str(err) == "invalid JWT"
    assert err.__cause__ is None


def test_peek_header_refuses_garbage() -> None:
    for token in ("", "a.b", "a.b.c", "....", "x" * 20_000):
        with pytest.raises(InvalidJwt):
            peek_header(token)

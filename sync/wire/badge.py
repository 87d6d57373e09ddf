"""Open Badges 3.0 credentials for Relais certificates: build, sign and verify (eddsa-rdfc-2022).

A certificate becomes a W3C verifiable credential of type OpenBadgeCredential with an embedded Data
Integrity proof, cryptosuite `eddsa-rdfc-2022`: the credential and the proof options are canonicalised
as RDF (RDFC-1.0, by pyld), hashed with SHA-256 and signed with an Ed25519 key. The issuer is named by
a `did:key`, which holds the public key itself, so anyone can check a credential offline; whether that
key is a Relais kiosk's is what the hub's page adds. JSON-LD contexts are the copies kept beside this
module (badge_contexts/, with their sources): nothing is ever fetched, any other context is refused.
Both the kiosk (which signs) and the hub (which verifies) import this module.
"""
from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
# `cryptography` (8 MB in a kiosk) is imported where a key is read or a proof checked: a kiosk serving
# lessons never loads it.

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXTS = {CREDENTIALS_V2: "credentials-v2.jsonld", OB_V3: "ob-v3p0-context-3.0.3.json"}
CRYPTOSUITE = "eddsa-rdfc-2022"
MAX_BYTES = 64 * 1024             # a credential bigger than this is refused before any canonicalisation
ED25519_MULTICODEC = b"\xed\x01"
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_FOLDER = Path(__file__).resolve().parent / "badge_contexts"
_loaded: dict[str, dict] = {}


class BadgeRefused(ValueError):
    """The credential does not verify; the message says why, in plain words (for logs and tests)."""


def b58encode(data: bytes) -> str:
    number, out = int.from_bytes(data, "big"), ""
    while number:
        number, rest = divmod(number, 58)
        out = BASE58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in BASE58:
            raise BadgeRefused("not base58")
        number = number * 58 + BASE58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def did_key(public: Ed25519PublicKey) -> str:
    """The did:key naming this Ed25519 public key (multicodec ed25519-pub, multibase base58btc)."""
    raw = public.public_bytes_raw()
    return "did:key:z" + b58encode(ED25519_MULTICODEC + raw)


def public_key_of(did: str) -> Ed25519PublicKey:
    """The Ed25519 public key a did:key holds, or BadgeRefused."""
    if not did.startswith("did:key:z"):
        raise BadgeRefused("the issuer is not a did:key")
    raw = b58decode(did[len("did:key:z"):])
    if len(raw) != 34 or not raw.startswith(ED25519_MULTICODEC):
        raise BadgeRefused("the issuer's did:key is not an Ed25519 key")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # on first use (see above)

    return Ed25519PublicKey.from_public_bytes(raw[2:])


def _loader(url: str, options=None) -> dict:
    """pyld's document loader: only the bundled contexts, read once; anything else is refused."""
    if url not in CONTEXTS:
        raise BadgeRefused(f"unknown JSON-LD context {url!r}")
    if url not in _loaded:
        _loaded[url] = json.loads((_FOLDER / CONTEXTS[url]).read_text(encoding="utf-8"))
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(_loaded[url])}


def canonical(document: dict) -> bytes:
    """The document as canonical N-Quads (RDFC-1.0), the bytes the proof hashes."""
    # Only here: pyld (with lxml) weighs about 10 MB, needed only when a badge is signed or checked.
    from pyld import jsonld

    try:
        quads = jsonld.normalize(document, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                            "documentLoader": _loader})
    except BadgeRefused:
        raise
    except (jsonld.JsonLdError, TypeError, ValueError, KeyError, AttributeError, IndexError,
            RecursionError) as error:       # pyld raises its own JsonLdError and, on odd input, Python's errors
        raise BadgeRefused(f"not valid JSON-LD ({type(error).__name__})") from None
    return quads.encode("utf-8")


def _hash_data(unsecured: dict, options: dict) -> bytes:
    config = dict(options, **{"@context": unsecured.get("@context")})
    return hashlib.sha256(canonical(config)).digest() + hashlib.sha256(canonical(unsecured)).digest()


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def credential(*, credential_id: str, issuer: str, issuer_name: str, learner_name: str, course_id: str,
               course_title: str, description: str, criteria: str, issued_at: float, language: str) -> dict:
    """An unsigned OpenBadgeCredential: `issuer` is a did:key, the learner is named in plain text."""
    return {
        "@context": [CREDENTIALS_V2, OB_V3],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": issuer_name},
        "validFrom": iso(issued_at),
        "name": course_title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": learner_name}],
            "achievement": {"id": f"urn:relais:course:{course_id}", "type": ["Achievement"],
                            "name": course_title, "description": description, "inLanguage": language,
                            "criteria": {"narrative": criteria}}},
    }


def sign(unsigned: dict, key: Ed25519PrivateKey, created: float) -> dict:
    """The credential with its embedded proof (a list of one, as the 1EdTech schema has it), made by
    `key`, which must be the issuer's did:key."""
    if unsigned["issuer"]["id"] != did_key(key.public_key()):
        raise ValueError("the credential's issuer is not this key")
    return dict(unsigned, proof=[_proof(unsigned, key, created)])


def countersign(secured: dict, key: Ed25519PrivateKey, created: float) -> dict:
    """The credential with one more proof, by `key` (the hub's), beside the issuer's: a proof *set* (VC Data
    Integrity §2.1), each proof signing the credential alone, so any verifier checks each on its own. Only a
    credential that verifies is countersigned (else BadgeRefused); one this key already signed is returned as is."""
    signed_by, issuer = signers(secured), secured["issuer"]
    if (issuer.get("id") if isinstance(issuer, dict) else issuer) not in signed_by:
        raise BadgeRefused("no proof was made by the credential's issuer")
    if did_key(key.public_key()) in signed_by:
        return secured
    proofs = secured["proof"] if isinstance(secured["proof"], list) else [secured["proof"]]
    unsecured = {k: v for k, v in secured.items() if k != "proof"}
    return dict(unsecured, proof=[*proofs, _proof(unsecured, key, created)])


def issuer_only(secured: dict) -> dict:
    """The credential with only its issuer's proofs: the badge as its kiosk made it, without countersignatures."""
    proofs = secured.get("proof")
    proofs = [proofs] if isinstance(proofs, dict) else proofs if isinstance(proofs, list) else []
    issuer = secured.get("issuer")
    did = issuer.get("id") if isinstance(issuer, dict) else issuer
    mine = [p for p in proofs if isinstance(p, dict) and str(p.get("verificationMethod", "")).startswith(f"{did}#")]
    return dict(secured, proof=mine)


def _proof(unsecured: dict, key: Ed25519PrivateKey, created: float) -> dict:
    did = did_key(key.public_key())
    options = {"type": "DataIntegrityProof", "cryptosuite": CRYPTOSUITE, "created": iso(created),
               "verificationMethod": f"{did}#{did[len('did:key:'):]}", "proofPurpose": "assertionMethod"}
    return dict(options, proofValue="z" + b58encode(key.sign(_hash_data(unsecured, options))))


def verify(secured) -> str:
    """The issuer's did:key when every proof of this credential is right and one is the issuer's,
    else BadgeRefused saying why."""
    signed_by = signers(secured)
    issuer = secured.get("issuer")
    did = issuer.get("id") if isinstance(issuer, dict) else issuer
    if did not in signed_by:
        raise BadgeRefused("no proof was made by the credential's issuer")
    return did


def signers(secured) -> list[str]:
    """The did:key of each proof of this credential, in order, when every one is right, else BadgeRefused."""
    if not isinstance(secured, dict) or len(json.dumps(secured, ensure_ascii=False).encode()) > MAX_BYTES:
        raise BadgeRefused("not a credential, or too big")
    contexts = secured.get("@context")
    if not isinstance(contexts, list) or any(c not in CONTEXTS for c in contexts if isinstance(c, str)) \
            or not all(isinstance(c, str) for c in contexts):
        raise BadgeRefused("unknown JSON-LD context: only the Verifiable Credentials 2.0 and Open Badges 3.0 ones")
    proofs, unsecured = secured.get("proof"), {k: v for k, v in secured.items() if k != "proof"}
    proofs = [proofs] if isinstance(proofs, dict) else proofs
    issuer = unsecured.get("issuer")
    did = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(did, str) or not isinstance(proofs, list) or not proofs:
        raise BadgeRefused("no issuer or no proof")
    return [_check_proof(unsecured, proof) for proof in proofs]


def _check_proof(unsecured: dict, proof) -> str:
    """The did:key that made this one proof, if it is a right eddsa-rdfc-2022 proof of `unsecured`."""
    if not isinstance(proof, dict) or proof.get("type") != "DataIntegrityProof" \
            or proof.get("cryptosuite") != CRYPTOSUITE or proof.get("proofPurpose") != "assertionMethod":
        raise BadgeRefused(f"a proof is not an {CRYPTOSUITE} proof")
    method, value = proof.get("verificationMethod"), proof.get("proofValue")
    did, _, fragment = method.partition("#") if isinstance(method, str) else ("", "", "")
    if fragment != did[len("did:key:"):] or not isinstance(value, str) or not value.startswith("z"):
        raise BadgeRefused("a proof names no did:key, or its value is not base58btc")
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    from cryptography.exceptions import InvalidSignature  # on first use (see the imports above)

    try:
        public_key_of(did).verify(b58decode(value[1:]), _hash_data(unsecured, options))
    except InvalidSignature:
        raise BadgeRefused("the signature does not match: the credential was changed after it was signed") from None
    return did

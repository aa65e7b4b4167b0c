"""Merkle tree hashing and proofs against the RFC 6962 reference vectors and a naive tree."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from registry.transparency import merkle as m

# The Certificate Transparency reference leaves and tree heads for sizes 0..8
# (transparency-dev/merkle testonly, from RFC 6962's reference implementation).
LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
HASHED = [m.leaf_hash(x) for x in LEAVES]
H = bytes.fromhex

INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]  # fmt: skip


def test_reference_roots() -> None:
    for n in range(9):
        assert m.root(HASHED[:n]).hex() == ROOTS[n]


def test_reference_inclusion_proofs() -> None:
    for index, size, proof in INCLUSION:
        assert [p.hex() for p in m.inclusion_proof(HASHED, index, size)] == proof
        assert m.verify_inclusion(HASHED[index], index, size, [H(p) for p in proof], H(ROOTS[size]))


def _naive_root(leaves: list[bytes]) -> bytes:
    """Bottom-up: pair neighbours, promote an odd last node (the same tree as RFC 6962's)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = leaves
    while len(level) > 1:
        nxt = [m.node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


leaf_lists = st.lists(st.binary(max_size=8), min_size=1, max_size=70, unique=True)


@given(leaf_lists)
def test_root_matches_naive_tree(data: list[bytes]) -> None:
    leaves = [m.leaf_hash(d) for d in data]
    assert m.root(leaves) == _naive_root(leaves)


@given(leaf_lists, st.data())
def test_inclusion_proofs_verify_and_nothing_else(data: list[bytes], draw: st.DataObject) -> None:
    leaves = [m.leaf_hash(d) for d in data]
    size = draw.draw(st.integers(1, len(leaves)))
    index = draw.draw(st.integers(0, size - 1))
    r = _naive_root(leaves[:size])
    proof = m.inclusion_proof(leaves, index, size)
    assert m.verify_inclusion(leaves[index], index, size, proof, r)
    assert not m.verify_inclusion(
        m.leaf_hash(b"forged, longer than any leaf"), index, size, proof, r
    )
    if size > 1:
        assert not m.verify_inclusion(leaves[index], (index + 1) % size, size, proof, r)
    if proof:
        bad = [*proof[:-1], m.leaf_hash(b"not a leaf, longer than any")]
        assert not m.verify_inclusion(leaves[index], index, size, bad, r)


@given(leaf_lists, st.data())
def test_consistency_proofs_verify_and_detect_rewrites(
    data: list[bytes], draw: st.DataObject
) -> None:
    leaves = [m.leaf_hash(d) for d in data]
    new = draw.draw(st.integers(1, len(leaves)))
    old = draw.draw(st.integers(1, new))
    old_root, new_root = _naive_root(leaves[:old]), _naive_root(leaves[:new])
    proof = m.consistency_proof(leaves, old, new)
    assert m.verify_consistency(old, new, proof, old_root, new_root)
    # the same log with one old entry rewritten: its prefix no longer has the old root
    at = draw.draw(st.integers(0, old - 1))
    rewritten = [*leaves[:at], m.leaf_hash(b"rewritten" + data[at]), *leaves[at + 1 :]]
    forged_proof = m.consistency_proof(rewritten, old, new)
    assert not m.verify_consistency(old, new, forged_proof, old_root, _naive_root(rewritten[:new]))
    assert not m.verify_consistency(old, new, proof, old_root, m.leaf_hash(b"other"))


def test_empty_and_equal_sizes() -> None:
    assert m.verify_consistency(0, 5, [], m.EMPTY_ROOT, m.root(HASHED[:5]))
    assert m.verify_consistency(4, 4, [], m.root(HASHED[:4]), m.root(HASHED[:4]))
    assert not m.verify_consistency(4, 4, [], m.root(HASHED[:4]), m.root(HASHED[:3]))
    assert not m.verify_consistency(5, 4, [], m.root(HASHED[:4]), m.root(HASHED[:4]))

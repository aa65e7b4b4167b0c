"""The audit log as an RFC 6962 Merkle tree with signed checkpoints (issue 16): see
docs/transparency.md."""

"""rewardgym: a verifiable-reward environment service for RL on language models.

Importable with grpcio + protobuf alone: the server's heavy parts live in submodules.
"""

__version__ = "0.1.0"

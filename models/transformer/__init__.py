"""The transformer classifier: a BERT-style encoder with three calibrated heads (needs torch).

Install the optional extra (``torch``, ``transformers``) to use it; nothing here downloads.
"""

from models.transformer.config import ARCHITECTURE, EncoderShape, TransformerConfig
from models.transformer.model import TransformerTriageModel

__all__ = [
    "ARCHITECTURE",
    "EncoderShape",
    "TransformerConfig",
    "TransformerTriageModel",
]

"""Local AI assist: model loading, embeddings, their cache, and triage.

Nothing heavy is imported here: ``llama_cpp`` only in ``llm.py`` and the embedding
engine only in ``embed.py``, each when first used, so commands that use no model start
as fast as before. Dependencies point to ``crdt`` only.

Public surface (small and typed, for triage and what builds on it later)::

    models.catalogue   the shipped GGUF, the ones a user added, the one in use
    models.llm         load(path) -> Llama, once per process
    models.embed       embedder() -> Embedder: vectors for texts, once per process
    models.cache       Cache: vectors and answers by (model id, content hash)
    models.triage      triage a text or a conversation; evaluate a labelled file
"""

"""Extraction: residual-stream activations of any causal LM at each entity, stored per layer.

- :mod:`.prompts`: the prompts of each dataset (declared in its spec), rendering and the read token.
- :mod:`.entities`: the entity rows of a release folder, a Hub repo or a build's Parquet file.
- :mod:`.models`: any Hub id or local folder, the embedded SmolLM2 (GGUF -> cached bf16 folder), random init.
- :mod:`.layers`: the ``--layers`` syntax.
- :mod:`.forward`: batching by token budget, hooks on the decoder blocks, early stop, shared-prefix caching.
- :mod:`.run`: one run over a dataset (shards, resume, data-parallel under ``accelerate launch``, merge, manifest).
- :mod:`.store`: the activation folder (float16 safetensors per layer, entity ids, manifest) and its readers.
- :mod:`.static_embeddings`: the static-embedding baseline, stored like a model's activations.
- :mod:`.cli`: ``spacetime activations``.
"""

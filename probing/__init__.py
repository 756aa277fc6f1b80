"""probing stage (see README).

Activations (this part): ``spacetime activations --model M --dataset D --prompt P --layers L --out DIR`` writes
``DIR/<model>/<dataset>/<prompt>/`` with one float16 safetensors file per layer, ``entity_ids.json`` and
``manifest.json`` (see :mod:`.store`). Modules:

- :mod:`.prompts`: the prompts per dataset, as data; rendering and the read token (via offset mappings).
- :mod:`.data`: reading the entity rows (one function, to be swapped for a Hub loader).
- :mod:`.models`: any Hub id or local folder, the embedded SmolLM2 (GGUF -> cached bf16 folder), random init.
- :mod:`.extract`: ``--layers`` parsing, batching by token budget, hooks on the decoder blocks, early stop,
  shared-prefix caching.
- :mod:`.activations`: one run (shards, resume, data-parallel under ``accelerate launch``, merge, manifest).
- :mod:`.store`: the folder layout; ``load_layer``, ``load_entity_ids``, ``load_manifest``, ``verify_folder``,
  ``as_dataset`` (one layer as a ``datasets.Dataset``).
- :mod:`.commands`: the click command ``activations``. (Tiny test models live in tests/tiny.py.)
"""

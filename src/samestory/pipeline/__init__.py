"""The stages of samestory, each defined once, with plain data between them.

::

    articles ──► featurise ──► collapse copies ──► propose ──► score ──► group ──► assemble
    (Article)    (DocFeatures)  (CopyGroups)        (pairs)     (Relation) (index    (Story)
                                                                            groups)

========================  ===================================================================
stage (module)            in → out
========================  ===================================================================
:mod:`.featurise`         ``Article`` list → ``DocFeatures`` list (encoded in fixed batches)
:mod:`.copies`            features → :class:`~.copies.CopyGroups` (exact hash + MinHash-LSH,
                          verified by the copy test; union-find; smallest index represents)
:mod:`.propose`           features, copy groups → candidate pairs ``(i, j)`` among
                          representatives (hash, LSH and vector-neighbour indexes)
:mod:`.score`             features, pairs → ``Relation`` per pair (``relate``), on workers
:mod:`.group`             scored pairs, copy groups → stories as sorted index groups
                          (average link over copy groups, then splinters)
:mod:`.assemble`          features, relations, groups → ``Story`` (id, title, first
                          version, provenance), largest first
:mod:`.batch`             the batch driver: every stage in order (:func:`.batch.analyze`)
========================  ===================================================================

Drivers: :mod:`samestory.api` (batch, re-exports :mod:`.batch`), the store (incremental:
featurise, copy test, score against neighbours, group touched stories, assemble), and
Spark (each stage distributed, the same functions inside the tasks). The maths of each
stage lives in the modules below the pipeline (:mod:`samestory.candidates`,
:mod:`samestory.relate`, :mod:`samestory.stories`, :mod:`samestory.provenance`); this
package only wires them, so a stage is changed in one place for every driver.

The submodules are imported on use (``from samestory.pipeline.copies import ...``): this
package imports nothing itself, so importing one stage does not load the others.
"""

__all__ = ["assemble", "batch", "copies", "featurise", "group", "propose", "score"]

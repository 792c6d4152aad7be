// Reached only if something called an embedding function of LanceDB that pie-brain does not use.
throw new Error(
  'pie-brain leaves this optional dependency of LanceDB out of its install; it computes embeddings itself (memory.embedder).',
);

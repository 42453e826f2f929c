/// The hot path of `rate`, measured on its own: the byte-level event scanner, admission of
/// events against the catalog and customers, the open-addressing dedupe table, per-key
/// aggregation state and spill partitions (see docs/performance.md).
public enum Ingest {}

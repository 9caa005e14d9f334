/**
 * Lease timing, kept apart from the capacity guard so the CLI can name the defaults in its
 * help without loading the pipeline.
 */

/** Default lease: a runner renews every third of it, so two missed renewals are tolerated. */
export const DEFAULT_LEASE_MS = 30_000;
/** Shorter leases would need renewals more often than a slow ledger answers. */
export const MIN_LEASE_MS = 3_000;
/** Longer leases keep a crashed runner's reservation for too long. */
export const MAX_LEASE_MS = 3_600_000;

/**
 * Synthetic fleet workloads of the analytics kernels, for the benchmarks: each kernel run on the
 * kernel backend in use and as a single-threaded plain loop, with the bytes each run must move.
 */
package io.werkstrom.analytics.bench;

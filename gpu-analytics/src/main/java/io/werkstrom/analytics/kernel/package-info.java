/**
 * Kernel backends: numeric kernels over Apache Arrow columns, one call per batch of many
 * machines and sensors. {@link io.werkstrom.analytics.kernel.Kernels} and
 * {@link io.werkstrom.analytics.kernel.MultivariateKernels} (with
 * {@code io.werkstrom.analytics.predict.PredictKernels} for the tree ensemble) hold each kernel as
 * a static plain-Java method, the reference that every backend matches;
 * {@link io.werkstrom.analytics.kernel.JavaKernelBackend} runs it on CPU threads, and a GPU
 * backend implements {@link io.werkstrom.analytics.kernel.KernelBackend} with the same loop
 * bodies. {@link io.werkstrom.analytics.kernel.KernelBackends#select(String)} picks the backend for
 * a caller that owns it alone; {@link io.werkstrom.analytics.kernel.KernelBackends#acquire(String)}
 * leases the one backend per name that a process's operators share.
 */
package io.werkstrom.analytics.kernel;

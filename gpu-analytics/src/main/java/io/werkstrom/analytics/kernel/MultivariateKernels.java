package io.werkstrom.analytics.kernel;

/**
 * Kernels of the multivariate detectors over plain row-major arrays, in the style of
 * {@link Kernels}: static, stateless, over a row range {@code [from, to)}, one row per work item
 * on a device.
 */
public final class MultivariateKernels {

    private MultivariateKernels() {
    }

    /**
     * Hotelling's T² and the squared prediction error (SPE, the Q statistic) of each row against a
     * principal-component model. Row {@code i} is {@code rows[i * dims .. i * dims + dims)}; it is
     * standardised to {@code z = (x - mean) / scale}, projected onto the {@code components}
     * loading vectors ({@code loadings[c * dims .. c * dims + dims)}, orthonormal) to the scores
     * {@code s_c = loadings_c . z}, and then
     * {@code t2[i] = sum_c s_c^2 / eigenvalues[c]} and
     * {@code spe[i] = |z - sum_c s_c loadings_c|^2}.
     *
     * @param scratch at least {@code dims + components} doubles, overwritten (one per work item on
     *                a device)
     */
    public static void scoreT2AndSpe(double[] rows, int dims, double[] mean, double[] scale, double[] loadings,
                                     double[] eigenvalues, int components, double[] t2, double[] spe,
                                     double[] scratch, int from, int to) {
        for (int i = from; i < to; i++) {
            int base = i * dims;
            for (int d = 0; d < dims; d++) {
                scratch[d] = (rows[base + d] - mean[d]) / scale[d];
            }
            double t2Sum = 0;
            for (int c = 0; c < components; c++) {
                double s = 0;
                int l = c * dims;
                for (int d = 0; d < dims; d++) {
                    s += loadings[l + d] * scratch[d];
                }
                scratch[dims + c] = s;
                t2Sum += s * s / eigenvalues[c];
            }
            double speSum = 0;
            for (int d = 0; d < dims; d++) {
                double r = scratch[d];
                for (int c = 0; c < components; c++) {
                    r -= scratch[dims + c] * loadings[c * dims + d];
                }
                speSum += r * r;
            }
            t2[i] = t2Sum;
            spe[i] = speSum;
        }
    }
}

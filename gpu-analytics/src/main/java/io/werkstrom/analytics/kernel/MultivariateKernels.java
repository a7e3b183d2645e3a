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
     * Hotelling's T² and the squared prediction error (SPE, the Q statistic) of each row against
     * a principal-component model, for rows of many machines in one call: row {@code i} belongs to
     * model {@code m = modelOfRow[i]}. Row {@code i} is {@code rows[i * dims .. i * dims + dims)};
     * it is standardised to {@code z = (x - mean_m) / scale_m} ({@code mean[m * dims ..]},
     * {@code scale[m * dims ..]}), projected onto the model's {@code componentCount[m]} (at most
     * {@code maxComponents}) loading vectors ({@code loadings[(m * maxComponents + c) * dims ..]},
     * orthonormal) to the scores {@code s_c = loadings_c . z}, and then
     * {@code t2[i] = sum_c s_c^2 / eigenvalues[m * maxComponents + c]} and
     * {@code spe[i] = |z - sum_c s_c loadings_c|^2}. Entries past a model's component count are
     * not read. With one model and every row at index 0 this is the single-model loop, operation
     * for operation.
     *
     * @param scratch at least {@code dims + maxComponents} doubles, overwritten (one per work
     *                item on a device)
     */
    public static void scoreT2AndSpe(double[] rows, int dims, int[] modelOfRow, double[] mean, double[] scale,
                                     double[] loadings, double[] eigenvalues, int[] componentCount,
                                     int maxComponents, double[] t2, double[] spe, double[] scratch, int from,
                                     int to) {
        for (int i = from; i < to; i++) {
            int m = modelOfRow[i];
            int components = componentCount[m];
            int base = i * dims;
            int model = m * dims;
            for (int d = 0; d < dims; d++) {
                scratch[d] = (rows[base + d] - mean[model + d]) / scale[model + d];
            }
            int first = m * maxComponents;
            int loadingBase = first * dims;
            double t2Sum = 0;
            for (int c = 0; c < components; c++) {
                double s = 0;
                int l = loadingBase + c * dims;
                for (int d = 0; d < dims; d++) {
                    s += loadings[l + d] * scratch[d];
                }
                scratch[dims + c] = s;
                t2Sum += s * s / eigenvalues[first + c];
            }
            double speSum = 0;
            for (int d = 0; d < dims; d++) {
                double r = scratch[d];
                for (int c = 0; c < components; c++) {
                    r -= scratch[dims + c] * loadings[loadingBase + c * dims + d];
                }
                speSum += r * r;
            }
            t2[i] = t2Sum;
            spe[i] = speSum;
        }
    }

    /**
     * The MSET (multivariate state estimation) residual of each row, for rows of many machines in
     * one call: row {@code i} belongs to model {@code m = modelOfRow[i]}. Each model has
     * {@code memoryCount[m]} (at most {@code memorySize}) remembered states
     * {@code memory[(m * memorySize + j) * dims ..]}, standardised, and the inverse
     * {@code inverse[m * memorySize * memorySize ..]} (row-major, {@code memorySize} stride) of its
     * similarity matrix {@code G[j][k] = sim(d_j, d_k)}. With {@code z} the row standardised by the
     * model's {@code mean}/{@code scale} and {@code sim(a, b) = exp(-|a - b|^2 / (2 h^2))},
     * {@code h = bandwidth[m]}: {@code a_j = sim(d_j, z)}, {@code w = G^-1 a}, normalised to sum 1,
     * the estimate {@code zHat = sum_j w_j d_j}, and {@code out[i] = |z - zHat|^2}.
     *
     * @param scratch at least {@code dims + 2 * memorySize} doubles, overwritten (one per work
     *                item on a device)
     */
    public static void msetResiduals(double[] rows, int dims, int[] modelOfRow, double[] mean, double[] scale,
                                     double[] memory, int[] memoryCount, int memorySize, double[] inverse,
                                     double[] bandwidth, double[] out, double[] scratch, int from, int to) {
        int similarity = dims;
        int weight = dims + memorySize;
        for (int i = from; i < to; i++) {
            int m = modelOfRow[i];
            int count = memoryCount[m];
            int base = i * dims;
            for (int d = 0; d < dims; d++) {
                scratch[d] = (rows[base + d] - mean[m * dims + d]) / scale[m * dims + d];
            }
            double h = bandwidth[m];
            double inv2h2 = 1.0 / (2 * h * h);
            int memoryBase = m * memorySize * dims;
            for (int j = 0; j < count; j++) {
                double distance = 0;
                int at = memoryBase + j * dims;
                for (int d = 0; d < dims; d++) {
                    double diff = memory[at + d] - scratch[d];
                    distance += diff * diff;
                }
                scratch[similarity + j] = Math.exp(-distance * inv2h2);
            }
            int inverseBase = m * memorySize * memorySize;
            double sum = 0;
            for (int j = 0; j < count; j++) {
                double w = 0;
                int at = inverseBase + j * memorySize;
                for (int k = 0; k < count; k++) {
                    w += inverse[at + k] * scratch[similarity + k];
                }
                scratch[weight + j] = w;
                sum += w;
            }
            // A state far from every memory vector has all similarities ~0: the estimate is then
            // the memory's mean, and the residual stays large, as it should.
            double norm = Math.abs(sum) > 1e-300 ? 1.0 / sum : 0.0;
            double residual = 0;
            for (int d = 0; d < dims; d++) {
                double estimate = 0;
                for (int j = 0; j < count; j++) {
                    double w = norm == 0.0 ? 1.0 / count : scratch[weight + j] * norm;
                    estimate += w * memory[memoryBase + j * dims + d];
                }
                double r = scratch[d] - estimate;
                residual += r * r;
            }
            out[i] = residual;
        }
    }
}

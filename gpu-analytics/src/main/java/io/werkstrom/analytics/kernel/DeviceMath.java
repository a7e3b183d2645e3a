package io.werkstrom.analytics.kernel;

/**
 * Elementary functions for device kernels, written with additions, multiplications, one division
 * and a loop of fixed length, so that a kernel computes them in double precision whatever the
 * device's math library does and whatever its compiler makes of integer conversions.
 *
 * <p>Measured on an NVIDIA H200 with TornadoVM 5.2.0: its PTX backend lowers {@code Math.exp}
 * and {@code TornadoMath.exp} to the single-precision {@code ex2.approx.f32} also for doubles,
 * which put the MSET residuals 4.5e-8 (relative) away from the Java kernel's; an {@code exp} by
 * range reduction (a double rounded to an {@code int} {@code k}, {@code 2^k} by repeated
 * squaring) made that backend's MSET residuals wrong (1.06 where the Java kernel gives 0.155);
 * this form matched the Java kernels on the PTX and the OpenCL backend of that card and on PoCL.
 *
 * <p>The device kernels call these methods (TornadoVM inlines them); the Java kernels keep
 * {@link Math}, the reference the device results are compared with.
 */
public final class DeviceMath {

    /** The argument is scaled by {@code 2^-SQUARINGS} before the series, and the result squared as often. */
    private static final int SQUARINGS = 10;

    private DeviceMath() {
    }

    /**
     * {@code e^-t} for {@code t >= 0} (the similarity {@code exp(-d^2 / 2h^2)} of MSET). Its
     * difference from {@link Math#exp}{@code (-t)}, relative to that, is below 1.5e-15 for
     * {@code t < 1}, 1.2e-14 for {@code t < 10}, 7e-14 for {@code t < 100} and 2.5e-13 while the
     * result is a normal double ({@code t < 708.39}); below the normal range it is within 1e-308,
     * 0 from {@code t} about 709.78 on and for {@code Infinity}; {@code NaN} for {@code NaN}
     * ({@code DeviceMathTest} checks all of these; the most measured over 3,000,000 arguments per
     * range, in two draws: 1.1e-15, 9.7e-15, 5.2e-14 and 2.0e-13, and 4.5e-16 absolute).
     * Negative {@code t} is outside its domain.
     *
     * <p>With {@code y = t / 1024}: {@code q = e^y - 1} by its Taylor series to the 17th power
     * (at {@code y <= 0.73}, as far as the result is not 0, the rest is below 1e-18 of it), then
     * ten times {@code q <- q (2 + q)}, which is {@code (1 + q)^2 - 1}, and the result
     * {@code 1 / (1 + q)}. For {@code t >= 0} every term is positive, so nothing cancels, and
     * keeping {@code e^y - 1} rather than {@code e^y} keeps the rounding errors of the squarings
     * from doubling while {@code q} is small: the error grows with {@code t} instead. Beyond the
     * range the series is smaller than the exponential but still grows with {@code t}, so the
     * squarings overflow to {@code Infinity} and the result is 0.
     */
    public static double expNegative(double t) {
        double y = t * (1.0 / (1 << SQUARINGS));
        double q = 1.0 / 355687428096000.0;
        q = q * y + 1.0 / 20922789888000.0;
        q = q * y + 1.0 / 1307674368000.0;
        q = q * y + 1.0 / 87178291200.0;
        q = q * y + 1.0 / 6227020800.0;
        q = q * y + 1.0 / 479001600.0;
        q = q * y + 1.0 / 39916800.0;
        q = q * y + 1.0 / 3628800.0;
        q = q * y + 1.0 / 362880.0;
        q = q * y + 1.0 / 40320.0;
        q = q * y + 1.0 / 5040.0;
        q = q * y + 1.0 / 720.0;
        q = q * y + 1.0 / 120.0;
        q = q * y + 1.0 / 24.0;
        q = q * y + 1.0 / 6.0;
        q = q * y + 0.5;
        q = q * y + 1.0;
        q = q * y;
        for (int s = 0; s < SQUARINGS; s++) {
            q = q * (2.0 + q);
        }
        return 1.0 / (1.0 + q);
    }
}

package io.werkstrom.gateway.sim;

/**
 * A first-order lag, the response of anything with inertia (a heated mass, a spindle drive):
 * {@code dx/dt = (target - x) / tau}, advanced with the exact solution for a target held constant
 * over the step, so the result does not depend on the step size.
 */
final class FirstOrderLag {

    private FirstOrderLag() {
    }

    /** The value after {@code dtSeconds}, starting from {@code current}, approaching {@code target}. */
    static double approach(double current, double target, double dtSeconds, double tauSeconds) {
        return target + (current - target) * Math.exp(-dtSeconds / tauSeconds);
    }
}

package io.werkstrom.analytics.remote;

/**
 * A kernel call whose parameters exceed the analytics service's limit and cannot be split under
 * it. Neither the states scored nor the service are at fault: the call is too large for the
 * service as configured (see docs/gpu.md). Not an {@link IllegalArgumentException}, which callers
 * take to mean that the arguments themselves are bad.
 */
public final class ParametersTooLargeException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public ParametersTooLargeException(String message) {
        super(message);
    }

    public ParametersTooLargeException(String message, Throwable cause) {
        super(message, cause);
    }
}

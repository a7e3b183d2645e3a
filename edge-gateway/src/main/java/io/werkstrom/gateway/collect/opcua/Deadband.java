package io.werkstrom.gateway.collect.opcua;

/**
 * An OPC UA data-change deadband: the server reports a new value only when it differs from the
 * last reported one by more than {@code value} ({@link Type#ABSOLUTE}, in the variable's unit) or
 * by more than {@code value} percent of the variable's EURange ({@link Type#PERCENT}, which the
 * server refuses for variables without one).
 */
public record Deadband(Type type, double value) {

    public enum Type { NONE, ABSOLUTE, PERCENT }

    public static final Deadband NONE = new Deadband(Type.NONE, 0);

    public Deadband {
        if (type == null) {
            throw new IllegalArgumentException("deadband type must be one of none, absolute, percent.");
        }
        if (!(value >= 0) || (type == Type.PERCENT && value > 100) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("deadband value must be at least 0" + (type == Type.PERCENT ? " and at most 100" : "")
                    + ", got " + value + ".");
        }
    }

    public static Deadband absolute(double value) {
        return new Deadband(Type.ABSOLUTE, value);
    }

    public static Deadband percent(double value) {
        return new Deadband(Type.PERCENT, value);
    }
}

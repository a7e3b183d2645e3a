package io.werkstrom.protocol;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a gateway sits: the tenant (factory operator), the site (plant) and the gateway id.
 * Every segment is a topic path segment, so it is restricted to a safe alphabet.
 */
public record GatewayAddress(String tenant, String site, String gateway) {

    /** Lower-case letters, digits, '-' and '_', starting with a letter or digit, at most 64 characters. */
    public static final Pattern SEGMENT = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    /**
     * The one site name a gateway may not have: {@code werkstrom/v1/{tenant}/alerts/} carries the
     * tenant's alert states and acknowledgements, and its users' broker rights.
     */
    public static final String RESERVED_SITE = "alerts";

    public GatewayAddress {
        requireSegment("tenant", tenant);
        requireSegment("site", site);
        requireSegment("gateway", gateway);
        if (RESERVED_SITE.equals(site)) {
            throw new IllegalArgumentException("site '" + RESERVED_SITE + "' is reserved: werkstrom/v1/" + tenant
                    + "/alerts/ carries the tenant's alerts.");
        }
    }

    /** Checks one identifier against {@link #SEGMENT}; the message names the field. */
    public static String requireSegment(String field, String value) {
        Objects.requireNonNull(value, () -> field + " must not be null.");
        if (!SEGMENT.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " '" + QuotedText.abbreviate(value)
                    + "' must match " + SEGMENT.pattern() + ".");
        }
        return value;
    }

    @Override
    public String toString() {
        return tenant + "/" + site + "/" + gateway;
    }
}

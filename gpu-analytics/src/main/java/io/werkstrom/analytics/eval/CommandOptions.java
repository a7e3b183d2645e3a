package io.werkstrom.analytics.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The option syntax of the evaluation commands ({@code eval anomaly}, {@code eval quality}) and
 * their tools, in one place so that they accept the same forms. Stateless.
 */
public final class CommandOptions {

    private CommandOptions() {
    }

    /**
     * {@code --key value} and {@code --key=value} pairs, each key one of {@code accepted} and
     * given at most once.
     *
     * @return the values by key (without {@code --}), in the order given
     * @throws IllegalArgumentException naming the offending argument and the accepted options
     */
    public static Map<String, String> parse(List<String> args, List<String> accepted) {
        Map<String, String> values = new LinkedHashMap<>();
        String acceptedText = "accepted options: --" + String.join(", --", accepted);
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'; " + acceptedText);
            }
            String key = arg.substring(2);
            String value = null;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            }
            if (!accepted.contains(key)) {
                throw new IllegalArgumentException("unknown option --" + key + "; " + acceptedText);
            }
            if (value == null) {
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException("--" + key + " needs a value");
                }
                value = args.get(++i);
            }
            if (values.put(key, value) != null) {
                throw new IllegalArgumentException("--" + key + " is given twice");
            }
        }
        return values;
    }
}

package io.werkstrom.app.bench;

import java.io.PrintStream;
import java.util.List;

import io.werkstrom.app.cli.UsageException;

/** {@code ./werkstrom bench <kind>}: dispatches to one benchmark. */
public final class Bench {

    private Bench() {
    }

    public static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        String kind = argv.isEmpty() ? "" : argv.get(0);
        List<String> rest = argv.isEmpty() ? argv : argv.subList(1, argv.size());
        return switch (kind) {
            case "gateway" -> GatewayBench.run(rest, out, err);
            default -> throw new UsageException("bench: expected gateway, got '" + kind + "'");
        };
    }
}
